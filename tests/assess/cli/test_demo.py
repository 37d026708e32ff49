"""``modelcarbon demo``: its help, a wrong technique as one line, and twice in a row the same
ledger content (published jobs kept, measured jobs replaced)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assess.datasheet._schema import validate_datasheet_json
from carbon import Job
from lineage import Ledger
from tests.assess.cli.runner import Run, mc, one_line_error


def test_help_a_new_user_can_follow(cli: Callable[..., Run]) -> None:
    run = cli("demo", "--help")
    assert run.returncode == 0
    text = " ".join(run.stdout.split()).upper()
    for w in ["--out", "--epochs", "--techniques", "ledger.sqlite"]:
        assert w.upper() in text


def test_an_unknown_technique_is_one_clear_line(cli: Callable[..., Run], tmp_path: Path) -> None:
    one_line_error(cli("demo", "--techniques", "shrink_ray", "--out", str(tmp_path / "out")),
                   "--techniques=")
    assert not (tmp_path / "out" / "ledger.sqlite").exists()


def _ledger_content(path: Path) -> dict[str, Any]:
    with Ledger(str(path)) as store:
        g = store.load()
        jobs = store.jobs()
    published = [j for j in jobs if j.record.id.startswith("bert-family:")]
    measured = [j for j in jobs
                if isinstance(j.record, Job) and not j.record.id.startswith("bert-family:")]
    return {
        "published": sorted((j.record.id, str(j.product), str(j.phase), j.carbon_g)
                            for j in published),
        "products": [(p, g.product(p)["kind"], g.product(p)["name"]) for p in g.products()],
        "edges": g.edges(),
        "reported": sorted((j.record.id, j.product, j.phase, j.carbon_g) for j in jobs
                           if not isinstance(j.record, Job)),
        "measured": sorted((str(j.product), str(j.phase), j.record.name) for j in measured
                           if j.product is not None),
        # inference batches: one per model; their request counts vary with the machine's speed
        "inference": sorted(j.record.meta["model"] for j in measured if j.product is None),
        "measured_ids": {j.record.id for j in measured},
    }


@pytest.mark.slow
def test_demo_twice_gives_the_same_ledger_content(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("demo", "--out", str(out), "--epochs", "1", "--techniques",
            "prune_structured,quantise_fp16", "--no-minilm")
    first = mc(*args)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "EPC and per-request ASC^e of every model" in first.stdout
    assert "Adoption advice" in first.stdout and "ASC^e breakdown" in first.stdout
    a = _ledger_content(out / "ledger.sqlite")
    second = mc(*args, "--json")
    assert second.returncode == 0, second.stderr[-3000:]
    import json

    doc = json.loads(second.stdout)  # --json: all of stdout is one JSON object
    assert doc["command"] == "demo" and doc["models"] and doc["advice"]
    b = _ledger_content(out / "ledger.sqlite")
    assert a["published"], "the published BERT-family jobs are in the ledger"
    for key in ("products", "edges", "reported", "published", "measured", "inference"):
        assert a[key] == b[key], key
    # measured anew: new jobs (new ids), replacing the old ones rather than sitting beside them
    assert a["measured_ids"].isdisjoint(b["measured_ids"])
    assert len(a["measured_ids"]) == len(b["measured_ids"])
    sheets = sorted(p.name for p in (out / "datasheets").glob("*.json"))
    assert "digits-mlp.json" in sheets and "digits-mlp-fp16.json" in sheets
    for name in sheets:
        validate_datasheet_json((out / "datasheets" / name).read_text())
    for fmt in ("csv", "parquet", "html"):
        assert (out / f"portfolio.{fmt}").is_file()
    assert not (out / "ledger.sqlite.tmp").exists()


def test_demo_json_is_one_object_on_stdout(cli: Callable[..., Run], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """``--json``: the figures the demo prints, as one JSON object (the pipeline stubbed)."""
    import json

    from assess.demo import _pipeline
    from tests.assess.datasheet.conftest import graph, make_datasheet

    g = graph()

    def fake_run_demo(out: Path, **_: Any) -> _pipeline.DemoResult:
        print("a chatty library")
        return _pipeline.DemoResult(out / "ledger.sqlite", g, [make_datasheet()],
                                    [out / "portfolio.html"], g.epc_all(), [], [], ["n"])

    monkeypatch.setattr(_pipeline, "run_demo", fake_run_demo)
    run = cli("demo", "--out", str(tmp_path), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert "a chatty library" in run.stderr
    assert doc["command"] == "demo" and doc["models"][0]["epc"]["g"] > 0
    assert {p["product"] for p in doc["products"]} == {"wiki", "bert", "distil"}
    assert doc["breakdowns"] and all(b["asc_e_g"] > 0 for b in doc["breakdowns"].values())
