"""The demo's serving run: the tiny GPT-2 trained, served, swept; its log accounted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("transformers")

import compress
from assess.demo._pipeline import local_system
from assess.demo._serving import run_serving
from carbon import attribute_serving, read_serving_log
from lineage import ProvenanceGraph
from measure import Monitor


def test_a_small_serving_run(tmp_path: Path) -> None:
    graph = ProvenanceGraph()
    mon = Monitor(gpus=None, cpu="estimate", memory="estimate", interval=None)
    try:
        demo = run_serving(tmp_path, graph=graph, setting=compress.JobSetting(mon,
                                                                             local_system()),
                           steps=2, n_prompts=4, max_new_tokens=3, trials=2,
                           batch_sizes=(1, 2), arrival_interval=0.005)
    finally:
        mon.close()
    assert demo.product == compress.CAUSAL_LM in graph
    assert demo.log.exists() and demo.sweep.exists()
    sweep = json.loads(demo.sweep.read_text())
    assert [p["batch_size"] for p in sweep] == [1, 2]
    assert [p.batch_size for p in demo.section.points] == [1, 2]
    assert demo.section.points[0].total.energy is not None
    assert demo.section.serving_log == "serving.jsonl" and demo.section.pue == 1.2
    log = read_serving_log(demo.log)
    assert len(log.requests) == 2 * 2 * 4  # sizes x trials x prompts
    att = attribute_serving(demo.log, idle_window=None)
    want = float(log.batches["energy [J]"].sum()) + float(log.idle["energy [J]"].sum())
    assert float(att.requests["energy [J]"].sum()) == pytest.approx(want)
    assert "CPU-clock estimate" in demo.notes[0]
