"""Records: validated at the boundary (the error names the record and field), frozen, with no
silent defaults, canonical units, and equality by value (pandas objects included)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

import carbon
from carbon import ModelCarbonError
from tests.carbon.examples import BOX, CI, FAC, use


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: carbon.Job(), "Job.name"),
        (lambda: carbon.Job(name="j", energy=[]), "Job.energy"),
        (lambda: carbon.Job(name="j", energy=[use()]), "Job"),
        (lambda: carbon.Facility(name="x", pue=0.5, mix=CI), "Facility.pue"),
        (lambda: carbon.Facility(name="x", pue=1.1, mix="400 g/kWh"), "Facility.mix"),
        (lambda: carbon.System(name="s", embodied="1 tCO2e", lifetime="0 s", facility=FAC),
         "System.lifetime"),
        (lambda: use(energy="-1 kWh"), "EnergyUse.energy"),
        (lambda: use(energy=1.0), "EnergyUse.energy"),
        (lambda: use(provenance="guessed"), "EnergyUse.provenance"),
        (lambda: use(fraction=1.01), "EnergyUse.fraction"),
        (lambda: use(surprise=1), "EnergyUse.surprise"),
        (lambda: carbon.ProductUse(name="m", epc="1 gCO2e"), "ProductUse"),
        (lambda: carbon.ProductUse(name="m", epc="1 gCO2e", lifetime="1 year", requests=5),
         "ProductUse"),
        (lambda: carbon.PlatformUse(name="p", rate="1 gCO2e/s", concurrent_jobs=2, share=0.5),
         "PlatformUse"),
        (lambda: carbon.RetrainingUse(carbon="1 gCO2e", requests=0), "RetrainingUse.requests"),
        (lambda: carbon.Job(name="j", energy=[use()], start=datetime(2026, 1, 1, 1, tzinfo=UTC),
                            end=datetime(2026, 1, 1, 0, tzinfo=UTC)), "Job"),
        (lambda: carbon.Job(name="j", energy=[use()], duration="2 h",
                            start=datetime(2026, 1, 1, 0, tzinfo=UTC),
                            end=datetime(2026, 1, 1, 1, tzinfo=UTC)), "Job"),
    ],
)
def test_bad_records_name_the_field(build: Any, field: str) -> None:
    with pytest.raises(ModelCarbonError) as info:
        build()
    assert info.value.field.startswith(field), info.value.field
    assert isinstance(info.value, (ValueError, TypeError))


def _nested_error() -> carbon.InvalidValueError:
    with pytest.raises(carbon.InvalidValueError) as info:
        carbon.Job(name="j", duration="1 h", energy=[
            use(), {"system": BOX, "energy": "-1 kWh", "provenance": "measured"}])
    return info.value


def test_a_nested_error_names_the_record_it_is_in() -> None:
    err = _nested_error()
    assert err.field.startswith("Job.energy[1]") and str(err).startswith("Job.energy[1]")
    assert "an amount >= 0" in str(err)


def test_a_nested_error_names_the_whole_path_to_the_field() -> None:
    # bug: _translate replaced the nested record's own field ('EnergyUse.energy') by the path
    # to the record: 'Job.energy[1]' instead of 'Job.energy[1].energy'
    assert _nested_error().field == "Job.energy[1].energy"


def test_power_traces_are_checked_not_clamped() -> None:
    import numpy as np
    import pandas as pd

    idx = pd.date_range("2026-01-01", periods=3, freq="h", tz="UTC")
    for values, what in (([-5.0, 1, 2], "power"), ([np.nan, 1, 2], "power"),
                         ([True, False, True], "numeric watts")):
        with pytest.raises(carbon.InvalidValueError, match=what):
            carbon.EnergyUse(system=BOX, energy="1 kWh", provenance="sampled",
                             power=pd.Series(values, index=idx))
    away = carbon.EnergyUse(system=BOX, energy="1 kWh", provenance="sampled",
                            power=pd.Series([1.0, 2, 3], index=idx - pd.Timedelta("10D")))
    with pytest.raises(carbon.InvalidValueError, match="overlaps the job's window") as e:
        carbon.Job(name="j", energy=[away], start=idx[0].to_pydatetime(),
                   end=idx[2].to_pydatetime())
    assert e.value.field == "Job.energy[0].power"
    for not_a_series in ([1.0, 2.0, 3.0], np.ones(3), "300 W"):
        with pytest.raises(carbon.InvalidValueError, match="a pandas Series of watts"):
            carbon.EnergyUse(system=BOX, energy="1 kWh", provenance="sampled",
                             power=not_a_series)


def test_a_constant_intensity_is_checked_however_it_is_built() -> None:
    # bug: ConstantIntensity(-500, ...) gave negative carbon (only .of checked its input)
    for bad in (-500.0, float("nan"), float("inf"), True):
        with pytest.raises(carbon.InvalidValueError, match="gco2e_per_kwh"):
            carbon.ConstantIntensity(bad, source="x")  # type: ignore[arg-type]
    with pytest.raises(carbon.InvalidValueError, match="source"):
        carbon.ConstantIntensity(100.0, source=" ")


def test_a_missing_field_says_nothing_defaults_to_zero() -> None:
    with pytest.raises(carbon.InvalidValueError, match="nothing defaults to zero"):
        carbon.EnergyUse(system=BOX, provenance="measured")


def test_duration_comes_from_the_window() -> None:
    job = carbon.Job(name="j", energy=[use()], start=datetime(2026, 1, 1, 0, tzinfo=UTC),
                     end=datetime(2026, 1, 1, 2, tzinfo=UTC))
    assert job.duration.m_as("h") == 2.0


def test_records_are_frozen() -> None:
    with pytest.raises(ModelCarbonError):
        carbon.Facility(name="x", pue=1.0, mix=CI, extra=1)
    with pytest.raises(Exception, match="frozen"):
        FAC.pue = 2.0  # type: ignore[misc]


def test_amounts_are_stored_in_canonical_units() -> None:
    u = use(energy="3.6 MJ", duration="90 min", uncertainty="100 Wh")
    assert (u.energy.m, str(u.energy.units)) == (pytest.approx(1.0), "kWh")
    assert (u.duration.m, str(u.duration.units)) == (5400.0, "s")
    assert u.uncertainty.m == pytest.approx(0.1)
    assert BOX.embodied.m == 1e6 and BOX.lifetime.m == 4 * 365 * 86400


def test_a_mix_given_as_a_quantity_becomes_a_constant_intensity() -> None:
    fac = carbon.Facility(name="x", pue=1.2, mix="0.3 kgCO2e/kWh")
    assert isinstance(fac.mix, carbon.ConstantIntensity)
    assert fac.mix.gco2e_per_kwh == pytest.approx(300.0)
    assert fac.intensity_gco2e_per_kwh(None, None) == pytest.approx(300.0)


def test_platform_split_and_rate_from_its_jobs() -> None:
    assert carbon.PlatformUse(name="p", rate="1 gCO2e/s", concurrent_jobs=4).split == 0.25
    assert carbon.PlatformUse(name="p", rate="1 gCO2e/s", share=0.1).split == 0.1
    p = carbon.PlatformUse.from_jobs("k8s", "3 kgCO2e", "1 min", concurrent_jobs=2)
    assert p.rate.m == pytest.approx(50.0) and p.split == 0.5
    with pytest.raises(carbon.InvalidValueError, match="period"):
        carbon.PlatformUse.from_jobs("k8s", "3 kgCO2e", "0 s")


def test_provenance_is_one_of_four_labels() -> None:
    assert [str(p) for p in carbon.Provenance] == ["measured", "sampled", "estimated",
                                                   "reported"]
    assert use(provenance="sampled").provenance is carbon.Provenance.SAMPLED


def test_job_ids_are_unique_unless_given() -> None:
    a = carbon.Job(name="j", duration="1 h", energy=[use()])
    b = carbon.Job(name="j", duration="1 h", energy=[use()])
    assert a.id != b.id and len(a.id) == 32
    assert carbon.Job(name="j", id="x", duration="1 h", energy=[use()]).id == "x"


def test_records_holding_pandas_objects_compare_by_value() -> None:
    # bug fixed in 04530b1 (found by the lineage tests): Job == Job raised on a power trace
    idx = pd.date_range("2026-01-01", periods=3, freq="min", tz="UTC")

    def make(p: list[float]) -> carbon.Job:
        return carbon.Job(name="j", id="x", duration="1 h",
                          energy=[use(power=pd.Series(p, index=idx))])

    assert make([1.0, 2.0, 3.0]) == make([1.0, 2.0, 3.0])
    assert make([1.0, 2.0, 3.0]) != make([1.0, 2.0, 4.0])
    assert {BOX: 1}[carbon.System(name="box", embodied="1 tCO2e", lifetime="4 year",
                                  facility=FAC)] == 1


def test_a_power_trace_never_equals_a_missing_one() -> None:
    idx = pd.date_range("2026-01-01", periods=2, freq="min", tz="UTC")
    with_trace = use(power=pd.Series([1.0, 2.0], index=idx))
    assert with_trace != use() and use() != with_trace
    assert use() != "a string" and use().__eq__(3) is NotImplemented


def test_records_pickle_by_value() -> None:
    job = carbon.Job(name="j", id="x", duration="1 h", energy=[use(uncertainty="0.1 kWh")],
                     platform=carbon.PlatformUse(name="p", rate="1 gCO2e/s"))
    again = pickle.loads(pickle.dumps(job))
    assert again == job and again.energy[0].system.facility == FAC


def test_model_copy_with_update_validates_and_converts() -> None:
    # bug: pydantic's model_copy(update=...) skipped validation: Q_(90, "J") stayed in J where
    # kWh are stored, and asc_e read 90 kWh (found by the datasheet tests)
    from carbon import Q_, EnergyUse, Facility, InvalidValueError, System

    fac = Facility(name="dc", pue=1.0, mix="400 gCO2e/kWh")
    box = System(name="box", embodied="1 kgCO2e", lifetime="1 year", facility=fac)
    use = EnergyUse(system=box, energy="1 kWh", provenance="measured")
    moved = use.model_copy(update={"energy": Q_(3.6e6, "J")})
    assert moved.energy.units == use.energy.units and moved.energy.m == pytest.approx(1.0)
    with pytest.raises(InvalidValueError, match=r"EnergyUse\.fraction"):
        use.model_copy(update={"fraction": 2.0})
    assert use.model_copy() == use
