"""The ledger-to-table join (lineage._tables): the models table of request accounting."""

from __future__ import annotations

import pytest

from carbon import DataError, UnknownKeyError
from lineage import Ledger, ProvenanceGraph, ReportedCarbon, model_table_from_ledger


def test_models_come_from_the_ledger_once_per_model(tmp_path: object) -> None:
    g = ProvenanceGraph()
    g.add_dataset("wiki", name="Wikipedia")
    g.add_model("bert", name="BERT", lifetime="2 year")
    g.add_model("distilbert", name="DistilBERT", lifetime="1 year")
    g.derive("bert", "wiki", "trained_on", share=1.0)
    g.derive("distilbert", "bert", "distilled_from", share=0.5)
    g.add_job("wiki", ReportedCarbon(carbon="100 kgCO2e", source="t"), phase="data")
    g.add_job("bert", ReportedCarbon(carbon="600 kgCO2e", source="t"), phase="training")
    url = f"{tmp_path}/ledger.sqlite"
    with Ledger(url) as book:
        book.save(g)
    t = model_table_from_ledger(url, parallel_jobs=4)
    assert sorted(t.index) == ["bert", "distilbert"]
    for m in t.index:
        assert t.loc[m, "epc [gCO2e]"] == pytest.approx(g.epc(m).total.m_as("gCO2e"))
        assert t.loc[m, "product_lifetime [s]"] == pytest.approx(
            g.product(m)["lifetime"].m_as("s"))
    # distilbert has no job of its own recorded: its EPC is a lower bound, and says so
    assert t.loc["bert", "epc_complete"] and not t.loc["distilbert", "epc_complete"]
    by_req = model_table_from_ledger(g, ["distilbert"], lifetime_requests={"distilbert": 1e6})
    assert by_req.loc["distilbert", "product_requests"] == 1e6
    with pytest.raises(UnknownKeyError, match="gpt"):
        model_table_from_ledger(g, ["gpt"], parallel_jobs=1)


def test_an_open_ledger_and_a_ledger_without_models(tmp_path: object) -> None:
    g = ProvenanceGraph()
    g.add_dataset("wiki", name="Wikipedia")
    with Ledger(f"{tmp_path}/ledger.sqlite") as book:
        book.save(g)
        with pytest.raises(DataError, match="no models"):
            model_table_from_ledger(book, parallel_jobs=1)
