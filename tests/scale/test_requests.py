"""Request-log accounting: per request against the scalar carbon path, aggregates, errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assess.fleet._requests import (
    PART_COLUMNS,
    RequestTables,
    account_requests,
    device_table,
    model_table,
    partial_sums,
    request_carbon,
    summarise,
)
from carbon import (
    DataError,
    EnergyUse,
    Facility,
    InvalidValueError,
    Job,
    ProductUse,
    System,
    UnknownKeyError,
    asc_e,
)
from tests.scale import logs as L


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


def test_model_table_needs_exactly_one_explicit_share() -> None:
    with pytest.raises(InvalidValueError, match="not both, not neither"):
        model_table({"m": "1 kgCO2e"})
    with pytest.raises(InvalidValueError, match="not both"):
        model_table({"m": "1 kgCO2e"}, lifetime={"m": "1 year"}, parallel_jobs=1,
                    lifetime_requests={"m": 10})
    with pytest.raises(InvalidValueError, match="parallel_jobs"):
        model_table({"m": "1 kgCO2e"}, lifetime={"m": "1 year"})
    with pytest.raises(UnknownKeyError, match="lifetime for model 'm'"):
        model_table({"m": "1 kgCO2e"}, lifetime={}, parallel_jobs=2)
    with pytest.raises(InvalidValueError, match=">= 1"):
        model_table({"m": "1 kgCO2e"}, lifetime={"m": "1 year"}, parallel_jobs=0.5)


def test_device_table_refuses_power_for_unknown_devices() -> None:
    fac = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
    s = System(name="x", embodied="1 kgCO2e", lifetime="1 year", facility=fac)
    with pytest.raises(UnknownKeyError, match="power"):
        device_table({"x": s}, power={"y": "10 W"})


def test_aggregates_roll_up_per_request_figures() -> None:
    log = L.logs(3000, seed=11)
    rep = account_requests(log, L.tables())
    per = rep.per_request
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


def test_models_come_from_the_ledger_once_per_model(tmp_path: object) -> None:
    lineage = pytest.importorskip("lineage")
    g = lineage.ProvenanceGraph()
    g.add_dataset("wiki", name="Wikipedia")
    g.add_model("bert", name="BERT", lifetime="2 year")
    g.add_model("distilbert", name="DistilBERT", lifetime="1 year")
    g.derive("bert", "wiki", "trained_on", share=1.0)
    g.derive("distilbert", "bert", "distilled_from", share=0.5)
    g.add_job("wiki", lineage.ReportedCarbon(carbon="100 kgCO2e", source="t"), phase="data")
    g.add_job("bert", lineage.ReportedCarbon(carbon="600 kgCO2e", source="t"), phase="training")
    url = f"{tmp_path}/ledger.sqlite"
    with lineage.Ledger(url) as book:
        book.save(g)
    from assess.fleet._requests import model_table_from_ledger

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
