"""Node-link JSON export and import of a provenance graph, in a stable (sorted) order.

The document is networkx's node-link layout (``directed``, ``multigraph``, ``graph``,
``nodes``, ``edges`` with ``source`` = parent and ``target`` = child) plus a ``jobs`` list.
Nodes are sorted by id, edges by (parent, child), jobs by (product, id): two graphs with the
same content export the same bytes, whatever order they were built in.

This module depends on the graph (:mod:`lineage._graph`), never the reverse: the graph's
``to_json``, ``from_json`` and ``snapshot`` methods delegate here with a lazy import.
"""

from __future__ import annotations

import json
from typing import Any

from carbon import Q_, quantity
from lineage._errors import LedgerError
from lineage._graph import ProvenanceGraph
from lineage._serial import (
    _get,
    _list,
    _mapping,
    _number,
    _reading,
    _short,
    dumps,
    record_from_dict,
    record_to_dict,
)

__all__ = ["FORMAT", "from_json", "from_node_link", "snapshot", "to_json", "to_node_link"]

FORMAT = "modelcarbon-lineage"
VERSION = 1
_NODE_FIELDS = ("kind", "name", "revision", "licence", "task", "source")


def _usage_value(d: dict[str, Any]) -> Any:
    if d.get("usage") is None:
        return None
    if d.get("usage_unit") in (None, "dimensionless"):
        return d["usage"]
    try:
        return Q_(d["usage"], d["usage_unit"])
    except Exception as e:  # pint raises many types (UndefinedUnitError, TypeError, ...)
        raise LedgerError("edges.usage", _short(f"{d['usage']} {d['usage_unit']}"),
                          "a number and a unit pint knows") from e


def to_node_link(graph: ProvenanceGraph) -> dict[str, Any]:
    """The graph as a JSON-safe node-link dictionary (sorted, see the module docstring)."""
    g = graph.nx
    nodes = []
    for pid in sorted(graph.products()):
        a = graph.product(pid)
        node = {"id": pid, **{k: a[k] for k in _NODE_FIELDS}}
        node["lifetime_s"] = None if a["lifetime"] is None else float(a["lifetime"].m_as("s"))
        nodes.append(node)
    edges = [
        {"source": u, "target": v, "kind": d["kind"], "policy": d["policy"],
         "share": d.get("share"), "usage": d.get("usage"), "usage_unit": d.get("usage_unit")}
        for u, v, d in sorted(g.edges(data=True), key=lambda t: (t[0], t[1]))
    ]
    jobs = [
        {"id": j.id, "product": j.product, "phase": j.phase, "record": record_to_dict(j.record)}
        for j in sorted(graph.jobs(), key=lambda j: (j.product, j.id))
    ]
    return {"directed": True, "multigraph": False,
            "graph": {"format": FORMAT, "version": VERSION},
            "nodes": nodes, "edges": edges, "jobs": jobs}


snapshot = to_node_link


def from_node_link(doc: Any) -> ProvenanceGraph:
    """Rebuild a graph from :func:`to_node_link`'s dictionary.

    A document that is not one (a list, missing keys, a wrong type, a tampered job record)
    is a :class:`LedgerError` (or the record's own error) naming the node, edge or job:

    >>> from_node_link({"graph": {"format": FORMAT, "version": VERSION}, "nodes": [{}]})
    Traceback (most recent call last):
    ...
    lineage._errors.LedgerError: nodes[0].id is missing: expected a value (the key is required)
    """
    meta = _mapping(doc, "document").get("graph", {})
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or \
            meta.get("version") != VERSION:
        raise LedgerError("graph", _short(meta), f"a {FORMAT} document of version {VERSION}")
    graph = ProvenanceGraph()
    add = {"dataset": graph.add_dataset, "model": graph.add_model,
           "platform": graph.add_platform}
    for i, n in enumerate(_list(_get(doc, "nodes", "document"), "nodes")):
        at = f"nodes[{i}]"
        pid, kind = _get(n, "id", at), _get(n, "kind", at)
        if not isinstance(pid, str) or not isinstance(kind, str) or kind not in add:
            raise LedgerError(f"{at}.kind" if isinstance(pid, str) else f"{at}.id",
                              _short(kind if isinstance(pid, str) else pid),
                              "a string id and a kind among dataset, model, platform")
        kw: dict[str, Any] = {k: _get(n, k, at) for k in ("name", "revision", "licence",
                                                          "source")}
        if kind == "model":
            kw["task"] = _get(n, "task", at)
        lt = _get(n, "lifetime_s", at)
        kw["lifetime"] = None if lt is None else quantity(_number(lt, f"{at}.lifetime_s"), "s")
        with _reading(f"{at} ({_short(pid)!r})"):
            add[kind](pid, **kw)
    for i, e in enumerate(_list(_get(doc, "edges", "document"), "edges")):
        at = f"edges[{i}]"
        args = {k: _get(e, k, at) for k in ("source", "target", "kind", "share", "policy")}
        with _reading(at):
            graph.derive(args["target"], args["source"], args["kind"], share=args["share"],
                         policy=args["policy"], usage=_usage_value(e))
    for i, j in enumerate(_list(_get(doc, "jobs", "document"), "jobs")):
        at = f"jobs[{i}]"
        record = record_from_dict(_get(j, "record", at), f"{at}.record")
        product, phase = _get(j, "product", at), _get(j, "phase", at)
        with _reading(at):
            graph.add_job(product, record, phase=phase)
    return graph


def to_json(graph: ProvenanceGraph, *, indent: int | None = None) -> str:
    """Node-link JSON text (canonical: sorted keys; ``indent`` for humans).

    >>> from lineage import ProvenanceGraph
    >>> g = ProvenanceGraph()
    >>> g.add_model("m", name="m")
    >>> to_json(from_json(to_json(g))) == to_json(g)
    True
    """
    doc = to_node_link(graph)
    if indent is None:
        return dumps(doc)
    return json.dumps(doc, sort_keys=True, indent=indent, allow_nan=False)


def from_json(text: str) -> ProvenanceGraph:
    """Rebuild a graph from :func:`to_json`'s text."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError, RecursionError) as e:
        raise LedgerError("json", _short(text[:80] if isinstance(text, (str, bytes)) else text),
                          "a node-link document written by to_json") from e
    return from_node_link(doc)
