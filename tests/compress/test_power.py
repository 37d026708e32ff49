"""GPU power limiting as a technique, on the fake NVML (no real GPU here: the cap's effect on
energy is not testable on this machine, only the wiring)."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")

import compress  # noqa: E402
from carbon import InvalidValueError  # noqa: E402
from compress._power import power_limit  # noqa: E402
from measure import FakeNVML, PowerTrace, ProbePermissionError  # noqa: E402


def test_cap_holds_while_child_is_measured(teacher: Any, split: Any, graph: Any,
                                           setting: Any) -> None:
    fake = FakeNVML([PowerTrace.constant(300.0)])
    seen: list[float] = []

    def metric(m: Any) -> float:
        acc = compress.accuracy(m, split.x_test, split.y_test)
        seen.append(fake.power_limit_w(0))  # the limit its forward passes ran under
        return acc

    ev = compress.Evaluation(inputs=split.x_test, metric=metric, metric_name="accuracy",
                             min_seconds=0.1, repeats=2)
    out = power_limit(teacher, graph=graph, parent="teacher", child="teacher-250W",
                      evaluation=ev, setting=setting, limit="250 W", nvml=fake)
    assert seen == [700.0, 250.0]  # parent judged at the default, child under the cap
    assert fake.power_limit_w(0) == 700.0  # restored
    assert out.result.technique == "power_limit"
    assert out.result.metric_after == out.result.metric_before  # same weights
    assert any(e["kind"] == "derived_from" and e["child"] == "teacher-250W"
               for e in graph.edges())
    assert "250 W" in out.result.notes[0]
    from assess.adoption import technique  # the result feeds the adoption framework

    assert len(technique("gpu_power_limiting").measured(out.result).measurements) == 1


def test_no_permission_leaves_graph_unchanged(teacher: Any, evaluation: Any, graph: Any,
                                             setting: Any) -> None:
    fake = FakeNVML([PowerTrace.constant(300.0)], power_limit_settable=False)
    with pytest.raises(ProbePermissionError):
        power_limit(teacher, graph=graph, parent="teacher", child="capped",
                    evaluation=evaluation, setting=setting, limit="250 W", nvml=fake)
    with pytest.raises(InvalidValueError):
        power_limit(teacher, graph=graph, parent="teacher", child="capped",
                    evaluation=evaluation, setting=setting, limit="100 W", nvml=fake)


def test_limiter_switches_only_on_change() -> None:
    from compress._power import _capped, _Limiter

    fake = FakeNVML([PowerTrace.constant(300.0)])
    lim = _Limiter(fake, 0)
    a = _capped(torch.nn.Identity(), lim, 700.0)
    b = _capped(torch.nn.Identity(), lim, 300.0)
    x = torch.zeros(1)
    for m in (a, a, b, b, b, a):
        m(x)
    assert lim.switches == 3 and fake.power_limit_w(0) == 700.0
    assert "300 W" in repr(b)
