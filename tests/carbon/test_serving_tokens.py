"""Per-token figures of served requests (carbon._serving_tokens): the spec's figures, the carbon
split adding up to ASC^e, groups, NaN for no tokens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon import (
    DataError,
    Facility,
    RequestTables,
    System,
    attribute_serving,
    device_table,
    model_table,
    request_carbon,
    serving_carbon_split,
    serving_per_token,
)
from tests.carbon import serving_logs as S


@pytest.fixture
def attributed(tmp_path: Path) -> pd.DataFrame:
    log = S.write_jsonl(tmp_path / "log.jsonl", S.spec_jsonl())
    return attribute_serving(log, parameters={"llm-8b": 8.0}).requests


def tables() -> RequestTables:
    dc = Facility(name="dc", pue=1.2, mix="50 gCO2e/kWh")
    dev = device_table({"gpu0": System(name="H100 box", embodied="2500 kgCO2e",
                                       lifetime="4 year", facility=dc)})
    return RequestTables(dev, model_table({"llm-8b": "40 tCO2e"},
                                          lifetime_requests={"llm-8b": 1e8}))


def test_energy_per_1k_tokens_of_the_spec(attributed: pd.DataFrame) -> None:
    t = serving_per_token(attributed).iloc[0]
    assert t["requests"] == 5 and t["prompt_tokens"] == 410 and t["completion_tokens"] == 400
    assert t["prefill_energy_per_1k_prompt_tokens [J]"] == pytest.approx(1223.8811, abs=5e-5)
    assert t["decode_energy_per_1k_completion_tokens [J]"] == pytest.approx(5040.3036,
                                                                            abs=5e-5)
    assert t["energy_per_1k_tokens [J]"] == pytest.approx(3849.2749, abs=5e-5)
    assert t["idle_energy_per_1k_tokens [J]"] == pytest.approx(740.7407, abs=5e-5)


def test_carbon_split_adds_up_to_asc_e(attributed: pd.DataFrame) -> None:
    carbon = request_carbon(attributed, tables())
    split = serving_carbon_split(attributed, carbon)
    np.testing.assert_allclose(split[["prefill [gCO2e]", "decode [gCO2e]", "idle [gCO2e]"]]
                               .sum(axis=1), carbon["asc_e [gCO2e]"], rtol=1e-12)
    # JSC follows the energy (r1: 80 of 480 J idle), the rest the device time (1.6 of 6.6 s)
    jsc, asc = carbon["jsc [gCO2e]"].iloc[0], carbon["asc_e [gCO2e]"].iloc[0]
    assert split["idle [gCO2e]"].iloc[0] == pytest.approx(
        jsc * 80 / 480 + (asc - jsc) * 1.6 / 6.6, rel=1e-12)
    assert split["prefill [gCO2e]"].iloc[0] == pytest.approx(
        jsc * 100 / 480 + (asc - jsc) * 1.0 / 6.6, rel=1e-12)  # first token 2 s of 10, / 2
    t = serving_per_token(attributed, carbon).iloc[0]
    assert t["asc_e_per_1k_tokens [gCO2e]"] == pytest.approx(
        1000 * carbon["asc_e [gCO2e]"].sum() / 810, rel=1e-12)
    with pytest.raises(DataError):
        serving_carbon_split(attributed, carbon.iloc[1:])


def test_groups_by_model_and_batch_size(attributed: pd.DataFrame) -> None:
    by = serving_per_token(attributed, by="batch_size")
    assert by.index.tolist() == [1, 2] and by["requests"].tolist() == [1, 4]
    assert by["energy [J]"].sum() == pytest.approx(attributed["energy [J]"].sum(), rel=1e-12)
    assert serving_per_token(attributed, by="model").index.tolist() == ["llm-8b"]
    with pytest.raises(DataError):
        serving_per_token(attributed, by="colour")


def test_no_tokens_is_unknown_not_zero(attributed: pd.DataFrame) -> None:
    none = attributed.assign(prompt_tokens=0, completion_tokens=0)
    t = serving_per_token(none).iloc[0]
    assert np.isnan(t["energy_per_1k_tokens [J]"])
    assert np.isnan(t["prefill_energy_per_1k_prompt_tokens [J]"])
