"""Read-only attribute mappings of the networkx view, answered from the index arrays.

At hub scale one dict of attributes per edge and per product is a third of the graph's memory
(a dict, its ``_e`` int and its usage float: about 240 bytes an edge; 184 bytes a product).
The networkx view stores instead, as each edge's data, its edge id: an ``int`` that reads as
the mapping of the edge's attributes (48 bytes), looked up in the arrays of
:class:`lineage._index.Index` (``kind, policy``, ``share`` for a ``share`` edge, ``usage,
usage_unit`` for a ``usage`` edge, and the private ``_e``). Products added in bulk hold their
slot the same way (``kind, name``). ``G.edges[u, v]["kind"]``, ``dict(G.nodes[n])``,
``G.edges(data=True)``, equality with a dict and ``copy()`` answer as the dicts did.

Read-only: the mutating calls of networkx on them (``G.edges[u, v]["x"] = 1``,
``G.add_edge(u, v, x=1)`` on an existing edge) raise ``TypeError``: change the graph through
its methods. Each index makes its own two classes (:func:`attrs_types`), so that a mapping
needs no reference to its index of its own; pickling and ``copy.deepcopy`` rebuild them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, NoReturn

from lineage._kinds import EDGE_KINDS, Policy, ProductKind

__all__ = ["EdgeAttrs", "NodeAttrs", "attrs_types"]

_POLICIES: tuple[str, ...] = tuple(p.value for p in Policy)  # by POLICY_CODE
_SHARE = _POLICIES.index(Policy.SHARE.value)
#: Product kinds by their code in ``Index.kind`` (0: undeclared).
_PRODUCT_KINDS: tuple[str | None, ...] = (None, *(k.value for k in ProductKind))

_EDGE_KEYS = ("kind", "policy", "_e")
_SHARE_KEYS = ("kind", "policy", "share", "_e")
_USAGE_KEYS = ("kind", "policy", "usage", "usage_unit", "_e")
_NODE_KEYS = ("kind", "name")


class _Attrs(int, Mapping[str, Any]):
    """An id (edge id or slot) that reads as a read-only mapping over its index's arrays."""

    __slots__ = ()
    _ix: ClassVar[Any]  # the index, set on each index's own subclass

    def _keys(self) -> tuple[str, ...]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __contains__(self, key: object) -> bool:
        return key in self._keys()

    def __bool__(self) -> bool:
        return True  # never empty (an int 0 would read as false)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return dict(self.items()) == dict(other.items())

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def copy(self) -> dict[str, Any]:
        """A plain dict of the attributes (what ``DiGraph.copy`` stores in the copy)."""
        return dict(self.items())

    def _read_only(self, *_: Any, **__: Any) -> NoReturn:
        raise TypeError("the attributes of a ProvenanceGraph's networkx view are read-only: "
                        "change the graph through its methods (derive, remove_edge, ...)")

    __setitem__ = __delitem__ = _read_only
    pop = popitem = clear = setdefault = _read_only

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Nothing (networkx calls it with no attributes when a node or edge is re-added);
        any attribute refused (read-only)."""
        if kwargs or any(args):
            self._read_only()


class EdgeAttrs(_Attrs):
    """An edge id reading as ``{kind, policy[, share][, usage, usage_unit], _e}``."""

    __slots__ = ()

    def _keys(self) -> tuple[str, ...]:
        ix = self._ix
        if ix.unit[self] >= 0:
            return _USAGE_KEYS
        return _SHARE_KEYS if ix.pol[self] == _SHARE else _EDGE_KEYS

    def __getitem__(self, key: str) -> Any:
        ix = self._ix
        if key == "_e":
            return int(self)
        if key == "kind":
            return EDGE_KINDS[ix.ekind[self]]
        if key == "policy":
            return _POLICIES[ix.pol[self]]
        if key == "share" and ix.pol[self] == _SHARE:
            return ix.share[self]
        if key in ("usage", "usage_unit") and ix.unit[self] >= 0:
            return ix.given[self] if key == "usage" else ix.units[ix.unit[self]]
        raise KeyError(key)

    def __reduce__(self) -> tuple[Any, ...]:
        return _edge, (self._ix, int(self))


class NodeAttrs(_Attrs):
    """A product's slot reading as ``{kind, name}`` (a product added in bulk)."""

    __slots__ = ()

    def _keys(self) -> tuple[str, ...]:
        return _NODE_KEYS

    def __getitem__(self, key: str) -> Any:
        if key == "kind":
            return _PRODUCT_KINDS[self._ix.kind[self]]
        if key == "name":
            return self._ix.names[self]
        raise KeyError(key)

    def __reduce__(self) -> tuple[Any, ...]:
        return _node, (self._ix, int(self))


def attrs_types(ix: Any) -> tuple[type[EdgeAttrs], type[NodeAttrs]]:
    """The edge and node mapping classes of the index ``ix`` (made once per index).

    >>> from lineage._index import Index
    >>> ix = Index()
    >>> p, c = ix.slots(["p", "c"]).tolist()
    >>> e = ix.add_edge(p, c, 0, 0.5, 0.0, kind=1)
    >>> ix.edge_attrs(e)
    {'kind': 'fine_tuned_from', 'policy': 'share', 'share': 0.5, '_e': 0}
    """
    edge = type("EdgeAttrs", (EdgeAttrs,), {"__slots__": (), "_ix": ix})
    node = type("NodeAttrs", (NodeAttrs,), {"__slots__": (), "_ix": ix})
    return edge, node


def _edge(ix: Any, e: int) -> EdgeAttrs:
    return ix.edge_attrs(e)  # type: ignore[no-any-return]


def _node(ix: Any, i: int) -> NodeAttrs:
    return ix.node_attrs(i)  # type: ignore[no-any-return]
