"""Request-log accounting (carbon._requests): per request against the scalar carbon path,
aggregates that add up over any split, errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon import (
    PART_COLUMNS,
    DataError,
    EnergyUse,
    Facility,
    InvalidValueError,
    Job,
    PlatformUse,
    ProductUse,
    RequestTables,
    RetrainingUse,
    System,
    UnknownKeyError,
    asc_e,
    partial_sums,
    request_carbon,
    summarise,
)
from tests.carbon import request_logs as L


def scalar_asc_e(row: pd.Series, t: RequestTables, by: str) -> float:
    """Naive oracle: the request as one carbon.Job through the scalar carbon.asc_e."""
    assert t.grid is not None
    dev = t.devices.loc[row["device"]]
    mod = t.models.loc[row["model"]]
    fac = Facility(name="f", pue=float(dev["pue"]), mix=t.grid.hourly(row["region"]))
    system = System(name=row["device"], embodied=f"{dev['embodied [gCO2e]']} gCO2e",
                    lifetime=f"{dev['lifetime [s]']} s", facility=fac)
    dur = pd.Timedelta(microseconds=round(float(row["duration [ms]"]) * 1000))
    if by == "time":
        product = ProductUse(name=row["model"], epc=f"{mod['epc [gCO2e]']} gCO2e",
                             lifetime=f"{mod['product_lifetime [s]']} s",
                             parallel_jobs=float(mod["parallel_jobs"]))
    else:
        product = ProductUse(name=row["model"], epc=f"{mod['epc [gCO2e]']} gCO2e",
                             requests=float(mod["product_requests"]))
    job = Job(name="r", start=row["start"].to_pydatetime(),
              end=(row["start"] + dur).to_pydatetime(),
              energy=[EnergyUse(system=system, energy=f"{row['energy [J]']} J",
                                provenance="measured", fraction=float(row["fraction"]))],
              products=[product])
    return float(asc_e(job).asc_e.m_as("gCO2e"))


@pytest.mark.parametrize("share", ["time", "requests"])
def test_per_request_equals_the_scalar_path(share: str) -> None:
    t = L.tables(share=share)
    log = L.logs(40, seed=3)
    log.loc[0, "start"] = L.T0 + pd.Timedelta(hours=5) - pd.Timedelta(milliseconds=10)
    log.loc[0, "duration [ms]"] = 50.0  # crosses an hour boundary
    out = request_carbon(log, t)
    want = [scalar_asc_e(r, t, share) for _, r in log.iterrows()]
    assert out["asc_e [gCO2e]"].tolist() == pytest.approx(want, rel=1e-9)
    assert out.index.equals(log.index)
    assert (out["day"] == log["start"].dt.floor("D")).all()
    assert out["energy_provenance"].astype(str).eq("reported").all()


def test_without_a_grid_the_facility_mix_is_used() -> None:
    t = L.tables(with_grid=False)
    log = L.logs(20)
    out = request_carbon(log, t)
    want = t.devices["intensity [gCO2e/kWh]"].reindex(log["device"]).to_numpy()
    assert out["intensity [gCO2e/kWh]"].tolist() == want.tolist()
    assert out["intensity_source"].astype(str).str.endswith("facility mix").all()


def test_energy_estimated_from_power_is_labelled() -> None:
    t = L.tables()
    log = L.logs(10, energy=False)
    out = request_carbon(log, t)
    power = t.devices["power [W]"].reindex(log["device"]).to_numpy()
    assert out["energy [kWh]"].to_numpy() == pytest.approx(
        power * log["duration [ms]"].to_numpy() / 1000 / 3.6e6, rel=1e-12)
    assert out["energy_provenance"].astype(str).eq("estimated").all()
    assert summarise(partial_sums(out)).by_key["estimated_requests"].sum() == 10


@pytest.mark.parametrize("as_category", [False, True])
def test_logged_provenance_counts_estimated_rows(as_category: bool) -> None:
    log = L.logs(30, seed=11)
    prov = np.array(["measured", "estimated", None], dtype=object)[np.arange(30) % 3]
    log["energy_provenance"] = pd.Series(prov, index=log.index).astype(
        "category" if as_category else object)
    out = request_carbon(log, L.tables())
    # naive oracle: row by row, a missing provenance is not an estimate
    assert out["estimated"].tolist() == [p == "estimated" for p in prov]
    assert summarise(partial_sums(out)).by_key["estimated_requests"].sum() == 10


def test_categorical_keys_give_the_same_figures() -> None:
    t = L.tables()
    log = L.logs(200, seed=5)
    cat = log.astype({"model": "category", "device": "category", "region": "category"})
    a, b = request_carbon(log, t), request_carbon(cat, t)
    for c in PART_COLUMNS:
        assert a[c].tolist() == b[c].tolist()


@pytest.mark.parametrize(("change", "error", "words"), [
    (lambda d: d.assign(model=["gpt-9", *list(d["model"][1:])]), UnknownKeyError,
     "gpt-9.*lineage ledger"),
    (lambda d: d.assign(device=["tpu", *list(d["device"][1:])]), UnknownKeyError,
     "tpu.*devices table"),
    (lambda d: d.drop(columns="region"), DataError, "missing 'region'"),
    (lambda d: d.drop(columns="duration [ms]"), DataError, "duration"),
    (lambda d: d.assign(region=["XXX", *list(d["region"][1:])]), DataError,
     "region 'XXX' has no hourly series"),
    (lambda d: d.assign(start=d["start"] + pd.Timedelta(days=30)), DataError,
     "after its last hour"),
    (lambda d: d.assign(fraction=1.5), InvalidValueError, "fraction"),
    (lambda d: d.assign(**{"energy [J]": -1.0}), InvalidValueError, "energy"),
    (lambda d: d.assign(model=[None, *list(d["model"][1:])]), DataError, "model in every row"),
])
def test_bad_logs_are_refused(change: object, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        request_carbon(change(L.logs(5)), L.tables())  # type: ignore[operator]


def test_estimating_without_power_is_an_error() -> None:
    t = L.tables()
    devices = t.devices.assign(**{"power [W]": np.nan})
    with pytest.raises(DataError, match="no power to estimate"):
        request_carbon(L.logs(3, energy=False), RequestTables(devices, t.models, t.grid))


def test_aggregates_roll_up_per_request_figures() -> None:
    log = L.logs(3000, seed=11)
    per = request_carbon(log, L.tables())
    rep = summarise(partial_sums(per), per_request=per)
    for key, agg in (("model", rep.by_model), ("region", rep.by_region), ("day", rep.by_day)):
        naive = per.groupby(per[key].astype(str) if key != "day" else per[key])[
            "asc_e [gCO2e]"].sum()
        got = agg["asc_e [gCO2e]"]
        got.index = got.index.astype(str) if key != "day" else got.index
        assert got.sort_index().to_numpy() == pytest.approx(naive.sort_index().to_numpy(),
                                                            rel=1e-12)
        assert int(agg["requests"].sum()) == len(log)
    assert rep.requests == 3000
    assert math.isclose(rep.total.m_as("gCO2e"), per["asc_e [gCO2e]"].sum(), rel_tol=1e-12)
    assert (rep.by_model["asc_e per request [gCO2e]"]
            == rep.by_model["asc_e [gCO2e]"] / rep.by_model["requests"]).all()


@settings(max_examples=15)
@given(st.integers(0, 2**31), st.lists(st.integers(1, 299), max_size=4, unique=True))
def test_partial_sums_of_any_split_add_up(seed: int, cuts: list[int]) -> None:
    log = L.logs(300, seed=seed)
    t = L.tables()
    whole = summarise(partial_sums(request_carbon(log, t))).by_key
    bounds = [0, *sorted(cuts), len(log)]
    parts = [partial_sums(request_carbon(log.iloc[a:b], t))
             for a, b in itertools.pairwise(bounds)]
    split = summarise(parts).by_key
    pd.testing.assert_frame_equal(whole, split, rtol=1e-12)


def test_the_six_parts_with_platform_and_retraining_equal_the_scalar_path() -> None:
    """Every part of ASC^e of sampled requests against the same request as a carbon.Job."""
    t = L.tables(platform=True, retrain=True)
    assert t.grid is not None and t.retraining is not None
    log = L.logs(300, seed=17)
    out = request_carbon(log, t)
    rt = t.retraining
    for i in np.random.default_rng(0).choice(len(log), 25, replace=False):
        row = log.iloc[i]
        dev, mod = t.devices.loc[row["device"]], t.models.loc[row["model"]]
        fac = Facility(name="f", pue=float(dev["pue"]), mix=t.grid.hourly(row["region"]))
        system = System(name=row["device"], embodied=f"{dev['embodied [gCO2e]']} gCO2e",
                        lifetime=f"{dev['lifetime [s]']} s", facility=fac)
        dur = pd.Timedelta(microseconds=round(float(row["duration [ms]"]) * 1000))
        c, n = rt.lookup(log["model"].iloc[[i]], np.array([row["start"].value]),
                         log.index[[i]])
        job = Job(name="r", start=row["start"].to_pydatetime(),
                  end=(row["start"] + dur).to_pydatetime(),
                  energy=[EnergyUse(system=system, energy=f"{row['energy [J]']} J",
                                    provenance="measured", fraction=float(row["fraction"]))],
                  platform=PlatformUse(name="p", rate=f"{dev['platform_rate [gCO2e/s]']} "
                                       "gCO2e/s", share=float(dev["platform_share"])),
                  products=[ProductUse(name=row["model"], epc=f"{mod['epc [gCO2e]']} gCO2e",
                                       lifetime=f"{mod['product_lifetime [s]']} s",
                                       parallel_jobs=float(mod["parallel_jobs"]))],
                  retraining=(RetrainingUse(carbon=f"{c[0]} gCO2e", requests=float(n[0]))
                              if c[0] > 0 else None))
        b = asc_e(job)
        for part in ("operational", "overhead", "embodied", "platform", "products",
                     "retraining"):
            want = getattr(b, f"{part}_g")
            assert out[f"{part} [gCO2e]"].iloc[i] == pytest.approx(want, rel=1e-9, abs=1e-15)
        assert out["asc_e [gCO2e]"].iloc[i] == pytest.approx(b.asc_e_g, rel=1e-9)
    assert (out["retraining [gCO2e]"][log["model"] == "distilbert"] == 0).all()
    assert (out["retraining [gCO2e]"][log["model"] != "distilbert"] > 0).all()


def test_a_request_outside_its_models_retraining_intervals_is_named() -> None:
    t = L.tables(retrain=True, with_grid=False)
    log = L.logs(50, seed=2)
    log.loc[7, "model"] = "bert"
    log.loc[7, "start"] = L.T0 + pd.Timedelta(days=30)
    with pytest.raises(DataError, match=r"start\[7\].*retraining interval of model 'bert'"):
        request_carbon(log, t)
