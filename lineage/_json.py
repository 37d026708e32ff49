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
from lineage._serial import dumps, record_from_dict, record_to_dict

__all__ = ["FORMAT", "from_json", "from_node_link", "snapshot", "to_json", "to_node_link"]

FORMAT = "modelcarbon-lineage"
VERSION = 1
_NODE_FIELDS = ("kind", "name", "revision", "licence", "task", "source")


def _usage_value(d: dict[str, Any]) -> Any:
    if d.get("usage") is None:
        return None
    if d.get("usage_unit") in (None, "dimensionless"):
        return d["usage"]
    return Q_(d["usage"], d["usage_unit"])


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


def from_node_link(doc: dict[str, Any]) -> ProvenanceGraph:
    """Rebuild a graph from :func:`to_node_link`'s dictionary."""
    meta = doc.get("graph", {})
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise LedgerError("graph", meta, f"a {FORMAT} document of version {VERSION}")
    graph = ProvenanceGraph()
    add = {"dataset": graph.add_dataset, "model": graph.add_model,
           "platform": graph.add_platform}
    for n in doc["nodes"]:
        kw: dict[str, Any] = {"name": n["name"], "revision": n["revision"],
                              "licence": n["licence"], "source": n["source"]}
        if n["kind"] == "model":
            kw["task"] = n["task"]
        lt = n["lifetime_s"]
        kw["lifetime"] = None if lt is None else quantity(lt, "s")
        add[n["kind"]](n["id"], **kw)
    for e in doc["edges"]:
        graph.derive(e["target"], e["source"], e["kind"], share=e["share"],
                     policy=e["policy"], usage=_usage_value(e))
    for j in doc["jobs"]:
        graph.add_job(j["product"], record_from_dict(j["record"]), phase=j["phase"])
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
    except json.JSONDecodeError as e:
        raise LedgerError("json", text[:80], "a node-link document written by to_json") from e
    return from_node_link(doc)
