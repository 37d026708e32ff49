"""lineage: the provenance graph of AI products, their Embodied Product Cost, and the ledger.

Products (datasets, models, platforms) are linked parent -> child by how they were made
(``trained_on``, ``fine_tuned_from``, ``distilled_from`` ...); each edge carries a share of
the parent's EPC set by an allocation policy. Jobs (``carbon.Job`` records, or reported
figures) attach to products by phase. ``epc`` gives one product's EPC with its split by
phase and by ancestor; ``epc_all`` every product's, as one sparse triangular solve; the
``Ledger`` stores it all in SQLite (or PostgreSQL); ``per_request`` carries EPC into each
inference request, and ``compare_strategies`` finds the break-even request volume
(``break_even``, ``cost_curve``: the one home of that arithmetic).

Layout: the graph's state and single-item API (``_state``, ``_graph``), edge specs and argument
checks (``_edges``), bulk builders (``_bulk``), validation with its report (``_validate``), the
EPC walk and sparse solve beside its result types (``_epc``, ``_index``, ``_rollup``),
per-request amortisation and break-even (``_amortise``), the ledger (``_ledger``,
``_ledger_db``, ``_schema``, ``_serial``) and its table join (``_tables``), node-link JSON
(``_json``), and published footprints (``_published``) beside the BERT-family example.

>>> g = ProvenanceGraph()
>>> g.add_dataset("wiki", name="English Wikipedia")
>>> g.add_model("bert", name="BERT")
>>> g.derive("bert", "wiki", "trained_on", share=0.5)
>>> _ = g.add_job("wiki", ReportedCarbon(carbon="2 kgCO2e", source="example"), phase="data")
>>> g.epc("bert").total
<Quantity(1000.0, 'gram_CO2e')>
"""

from lineage._amortise import (
    BOUNDARY,
    PerRequest,
    Strategy,
    StrategyComparison,
    break_even,
    compare_strategies,
    cost_curve,
    per_request,
)
from lineage._epc import EPCBreakdown
from lineage._errors import (
    InvalidGraphError,
    LedgerError,
    SchemaVersionError,
    UnknownProductError,
)
from lineage._example import bert_family, bert_family_data, example_energies
from lineage._graph import ProvenanceGraph
from lineage._json import from_json, from_node_link, to_json, to_node_link
from lineage._kinds import EDGE_KINDS, PHASES, EdgeKind, Phase, Policy, ProductKind
from lineage._ledger import Ledger, LedgerJob
from lineage._published import (
    PublishedFootprint,
    add_published,
    check_inputs,
    published_footprints,
)
from lineage._reported import JobEntry, ReportedCarbon
from lineage._schema import SCHEMA_VERSION
from lineage._synthetic import hub_graph, hub_spec
from lineage._tables import model_table_from_ledger
from lineage._validate import Problem, ValidationReport

__all__ = [
    "BOUNDARY",
    "EDGE_KINDS",
    "PHASES",
    "SCHEMA_VERSION",
    "EPCBreakdown",
    "EdgeKind",
    "InvalidGraphError",
    "JobEntry",
    "Ledger",
    "LedgerError",
    "LedgerJob",
    "PerRequest",
    "Phase",
    "Policy",
    "Problem",
    "ProductKind",
    "ProvenanceGraph",
    "PublishedFootprint",
    "ReportedCarbon",
    "SchemaVersionError",
    "Strategy",
    "StrategyComparison",
    "UnknownProductError",
    "ValidationReport",
    "add_published",
    "bert_family",
    "bert_family_data",
    "break_even",
    "check_inputs",
    "compare_strategies",
    "cost_curve",
    "example_energies",
    "from_json",
    "from_node_link",
    "hub_graph",
    "hub_spec",
    "model_table_from_ledger",
    "per_request",
    "published_footprints",
    "to_json",
    "to_node_link",
]
