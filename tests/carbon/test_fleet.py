"""The fleet path asc_e_frame: equal to the scalar path on random frames, explicit terms,
errors that name the column (and the row), and blocked evaluation across block boundaries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import carbon
from carbon import DataError, InvalidValueError, UnitMismatchError
from tests.carbon.examples import job
from tests.carbon.strategies import job_args


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


BASE = {"energy [kJ]": [1.0], "pue": [1.08], "intensity [gCO2e/kWh]": [665.6],
        "duration [min]": [5.0]}


@pytest.mark.parametrize(
    ("extra", "error", "match"),
    [
        ({"energy [kJ]": [-1.0]}, InvalidValueError, "energy"),
        ({"pue": [0.9]}, InvalidValueError, "pue"),
        ({"intensity [gCO2e/kWh]": [np.nan]}, InvalidValueError, "intensity"),
        ({"embodied [gCO2e]": [1.0]}, DataError, "lifetime"),
        ({"embodied [kg]": [1.0], "lifetime [year]": [1.0]}, UnitMismatchError, "embodied"),
        ({"embodied [gCO2e]": [1.0], "lifetime [year]": [0.0]}, InvalidValueError, "lifetime"),
        ({"platform_rate [gCO2e/s]": [1.0]}, DataError, "concurrent_jobs"),
        ({"epc [gCO2e]": [1.0]}, DataError, "product_lifetime"),
        ({"retraining [gCO2e]": [1.0]}, DataError, "retraining_requests"),
        ({"pue [W]": [1.0]}, DataError, "pue"),
    ],
)
def test_fleet_errors(extra: dict[str, list[float]], error: type, match: str) -> None:
    df = pd.DataFrame({**BASE, **extra})
    with pytest.raises(error, match=match):
        carbon.asc_e_frame(df)


def test_fleet_needs_units_on_physical_columns() -> None:
    df = pd.DataFrame({"energy": [1.0], "pue": [1.0], "intensity [gCO2e/kWh]": [1.0],
                       "duration [s]": [1.0]})
    with pytest.raises(UnitMismatchError, match=r"energy \[kWh\]"):
        carbon.asc_e_frame(df)


def test_fleet_terms_are_explicit() -> None:
    out = carbon.asc_e_frame(pd.DataFrame(BASE))
    assert out.attrs["terms"] == ["operational", "overhead"]
    assert out["asc_e [gCO2e]"].iloc[0] == pytest.approx(0.19968)


def test_blocked_evaluation_across_block_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    import carbon._fleet as fleet

    rng = np.random.default_rng(3)
    n = 50
    df = pd.DataFrame({"energy [Wh]": rng.uniform(0, 5, n), "pue": rng.uniform(1, 2, n),
                       "intensity [gCO2e/kWh]": rng.uniform(0, 900, n),
                       "duration [s]": rng.uniform(0, 60, n),
                       "embodied [kgCO2e]": rng.uniform(0, 9e3, n),
                       "lifetime [year]": rng.uniform(1, 6, n),
                       "platform_rate [gCO2e/min]": rng.uniform(0, 50, n),
                       "concurrent_jobs": rng.integers(1, 20, n).astype(float)},
                      index=pd.RangeIndex(100, 100 + n))
    whole = carbon.asc_e_frame(df)
    monkeypatch.setattr(fleet, "BLOCK_ROWS", 7)
    blocked = carbon.asc_e_frame(df)
    pd.testing.assert_frame_equal(whole, blocked, rtol=1e-15)
    # totals use E*PUE*CI, the breakdown E*CI + E*(PUE-1)*CI: equal up to rounding
    assert np.allclose(carbon.asc_e_frame(df, breakdown=False).to_numpy(),
                       blocked["asc_e [gCO2e]"].to_numpy(), rtol=1e-12, atol=0)
    bad = df.copy()
    bad.loc[143, "lifetime [year]"] = np.inf  # a denominator in a later block
    with pytest.raises(InvalidValueError, match=r"lifetime \[year\]\[143\]"):
        carbon.asc_e_frame(bad)
    bad = df.copy()
    bad.loc[130, "energy [Wh]"] = np.inf  # a numerator: caught by the block's total
    with pytest.raises(InvalidValueError, match=r"energy \[Wh\]\[130\]"):
        carbon.asc_e_frame(bad, breakdown=False)


@given(rows=st.lists(job_args, min_size=1, max_size=20))
def test_vectorised_equals_scalar_on_random_frames(rows: list[tuple]) -> None:
    cols = ["energy [kWh]", "duration [s]", "pue", "intensity [gCO2e/kWh]", "embodied [gCO2e]",
            "lifetime [s]", "fraction", "platform_rate [gCO2e/s]", "concurrent_jobs",
            "epc [gCO2e]", "product_lifetime [s]", "parallel_jobs"]
    df = pd.DataFrame(rows, columns=cols)
    frame = carbon.asc_e_frame(df)
    for i, args in enumerate(rows):
        b = carbon.asc_e(job(*args))
        for part in carbon.PARTS:
            assert close(frame[f"{part} [gCO2e]"].iloc[i], getattr(b, f"{part}_g"))
        assert close(frame["asc_e [gCO2e]"].iloc[i], b.asc_e_g)
        assert close(frame["jsc [gCO2e]"].iloc[i], b.jsc_g)
    assert np.allclose(carbon.asc_e_frame(df, breakdown=False).to_numpy(),
                       frame["asc_e [gCO2e]"].to_numpy(), rtol=1e-12)


ENERGY_UNITS = {"kWh": 1.0, "Wh": 1e3, "kJ": 3600.0, "J": 3.6e6, "MJ": 3.6}


@given(e=st.lists(st.floats(0, 1e3), min_size=1, max_size=10),
       unit=st.sampled_from(sorted(ENERGY_UNITS)),
       t_unit=st.sampled_from(["s", "min", "h"]))
def test_the_unit_in_a_column_name_is_converted_once(e: list[float], unit: str,
                                                     t_unit: str) -> None:
    n = len(e)
    ref = carbon.asc_e_frame(pd.DataFrame({
        "energy [kWh]": e, "pue": [1.2] * n, "intensity [gCO2e/kWh]": [300.0] * n,
        "duration [s]": [60.0] * n, "embodied [gCO2e]": [1e6] * n,
        "lifetime [s]": [1e8] * n}))
    seconds = {"s": 1.0, "min": 60.0, "h": 3600.0}[t_unit]
    got = carbon.asc_e_frame(pd.DataFrame({
        f"energy [{unit}]": [x * ENERGY_UNITS[unit] for x in e], "pue": [1.2] * n,
        "intensity [kgCO2e/kWh]": [0.3] * n, f"duration [{t_unit}]": [60.0 / seconds] * n,
        "embodied [tCO2e]": [1.0] * n, "lifetime [s]": [1e8] * n}))
    pd.testing.assert_frame_equal(got, ref, rtol=1e-12)


def test_the_result_keeps_the_index_and_every_total() -> None:
    df = pd.DataFrame({"energy [kJ]": [1.0, 2.0], "pue": [1.0, 1.5],
                       "intensity [gCO2e/kWh]": [360.0, 360.0], "duration [s]": [1.0, 1.0]},
                      index=pd.Index(["a", "b"], name="job"))
    out = carbon.asc_e_frame(df)
    assert list(out.index) == ["a", "b"] and out.index.name == "job"
    assert [c for c in out.columns if c.startswith(("jsc", "asc"))] == [
        "jsc [gCO2e]", "asc [gCO2e]", "jsc_e [gCO2e]", "asc_e [gCO2e]"]
    assert list(out["jsc [gCO2e]"]) == pytest.approx([0.1, 0.3])
    totals = carbon.asc_e_frame(df, breakdown=False)
    assert isinstance(totals, pd.Series) and totals.name == "asc_e [gCO2e]"
    assert list(totals.index) == ["a", "b"]


def test_every_optional_term_against_the_scalar_path() -> None:
    df = pd.DataFrame({"energy [kJ]": [1.0], "pue": [1.0], "intensity [gCO2e/kWh]": [1.0],
                       "duration [min]": [1.0], "platform_rate [gCO2e/s]": [1.0],
                       "platform_share": [0.5], "epc [kgCO2e]": [1.0],
                       "product_requests": [10.0], "retraining [gCO2e]": [4.0],
                       "retraining_requests": [2.0]})
    out = carbon.asc_e_frame(df)
    assert out.attrs["terms"] == ["operational", "overhead", "platform", "products",
                                  "retraining"]
    assert out["platform [gCO2e]"].iloc[0] == pytest.approx(
        carbon.platform_share(carbon.Q_(1, "gCO2e/s"), duration=carbon.Q_(1, "min"),
                              share=0.5).m)
    assert out["products [gCO2e]"].iloc[0] == pytest.approx(100.0)
    assert out["retraining [gCO2e]"].iloc[0] == pytest.approx(2.0)


@pytest.mark.parametrize(("extra", "match"), [
    ({"platform_rate [gCO2e/s]": [1.0], "concurrent_jobs": [2.0], "platform_share": [0.5]},
     "exactly one of 'concurrent_jobs' or 'platform_share'"),
    ({"concurrent_jobs": [2.0]}, "platform_rate"),
    ({"product_requests": [2.0]}, "epc"),
    ({"epc [gCO2e]": [1.0], "product_requests": [2.0], "product_lifetime [year]": [1.0]},
     "exactly one of 'product_lifetime"),
])
def test_a_term_must_be_given_one_way(extra: dict[str, list[float]], match: str) -> None:
    df = pd.DataFrame({"energy [kJ]": [1.0], "pue": [1.0], "intensity [gCO2e/kWh]": [1.0],
                       "duration [s]": [1.0], **extra})
    with pytest.raises(DataError, match=match):
        carbon.asc_e_frame(df)


def test_an_empty_frame_gives_an_empty_result() -> None:
    df = pd.DataFrame({"energy [kJ]": [], "pue": [], "intensity [gCO2e/kWh]": [],
                       "duration [min]": []})
    out = carbon.asc_e_frame(df)
    assert len(out) == 0 and "asc_e [gCO2e]" in out.columns
    assert out.attrs["terms"] == ["operational", "overhead"]


def test_pint_pandas_columns_in_and_out() -> None:
    """A unit in a pint-pandas dtype is read as one in the header; units='pint' returns
    pint[gCO2e] columns with the same magnitudes."""
    pytest.importorskip("pint_pandas")
    named = pd.DataFrame({"energy [kJ]": [1.0, 2.0], "pue": [1.08, 1.2],
                          "intensity [gCO2e/kWh]": [665.6, 300.0], "duration [min]": [5.0, 7.0],
                          "embodied [kgCO2e]": [10.0, 12.0], "lifetime [year]": [3.0, 4.0]})
    typed = pd.DataFrame({"energy": pd.Series([1.0, 2.0], dtype="pint[kJ]"),
                          "pue": [1.08, 1.2],
                          "intensity [gCO2e/kWh]": [665.6, 300.0],
                          "duration": pd.Series([5.0, 7.0], dtype="pint[minute]"),
                          "embodied [kgCO2e]": [10.0, 12.0], "lifetime [year]": [3.0, 4.0]})
    want = carbon.asc_e_frame(named)
    assert isinstance(want, pd.DataFrame)
    pd.testing.assert_frame_equal(carbon.asc_e_frame(typed), want)
    out = carbon.asc_e_frame(typed, units="pint")
    assert str(out["asc_e"].dtype).startswith("pint[gCO2e]")
    np.testing.assert_allclose(out["asc_e"].pint.magnitude.to_numpy(np.float64),
                               want["asc_e [gCO2e]"].to_numpy(), rtol=1e-15)
    total = carbon.asc_e_frame(typed, breakdown=False, units="pint")
    assert total.name == "asc_e" and total.attrs["terms"] == want.attrs["terms"]
    wrong = typed.assign(energy=pd.Series([1.0, 2.0], dtype="pint[second]"))
    with pytest.raises(UnitMismatchError, match="energy"):
        carbon.asc_e_frame(wrong)
    both = typed.rename(columns={"energy": "energy [kJ]"})
    both["energy [kJ]"] = pd.Series([1.0, 2.0], dtype="pint[kJ]")
    with pytest.raises(UnitMismatchError, match="one unit"):
        carbon.asc_e_frame(both)
    with pytest.raises(InvalidValueError, match="units"):
        carbon.asc_e_frame(named, units="SI")  # type: ignore[arg-type]


def test_column_kinds_are_checked() -> None:
    # bug: a Timedelta column named `duration [s]` was read as nanosecond ticks (embodied carbon
    # 10^6 times too large); datetimes, bools and complex numbers were accepted
    import numpy as np
    import pandas as pd

    from carbon import InvalidValueError, asc_e_frame

    def frame(duration: object) -> pd.DataFrame:
        return pd.DataFrame({"energy [kWh]": [1.0], "pue": [1.1],
                             "intensity [gCO2e/kWh]": [300.0], "duration [s]": duration,
                             "embodied [gCO2e]": [1000.0], "lifetime [year]": [4.0]})

    seconds = asc_e_frame(frame([3600.0]), breakdown=False).tolist()
    as_timedelta = asc_e_frame(frame(pd.to_timedelta([3600], unit="s")),
                               breakdown=False).tolist()
    assert as_timedelta == pytest.approx(seconds)
    for bad in (pd.to_datetime(["2026-01-01"]), np.array([True]), np.array([1 + 2j]),
                np.array(["3600"], dtype=object)):
        with pytest.raises(InvalidValueError, match="duration"):
            asc_e_frame(frame(bad), breakdown=False)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), block=st.sampled_from([1, 3, 7, 64]),
       platform=st.sampled_from(["none", "concurrent_jobs", "platform_share"]),
       products=st.sampled_from(["none", "product_lifetime", "product_requests"]),
       embodied=st.booleans(), retraining=st.booleans())
@example(n=9, seed=0, block=4, platform="concurrent_jobs", products="product_lifetime",
         embodied=True, retraining=True)  # every term: the rates summed, times t once
def test_totals_equal_a_naive_sum_of_the_formulas(n: int, seed: int, block: int, platform: str,
                                                  products: str, embodied: bool,
                                                  retraining: bool) -> None:
    import carbon._fleet as fleet

    rng = np.random.default_rng(seed)
    a = {"energy [kWh]": rng.uniform(0, 5, n), "pue": rng.uniform(1, 2, n),
         "intensity [gCO2e/kWh]": rng.uniform(0, 900, n), "duration [s]": rng.uniform(0, 60, n)}
    t = a["duration [s]"]
    want = a["energy [kWh]"] * a["pue"] * a["intensity [gCO2e/kWh]"]
    if embodied:
        a |= {"embodied [gCO2e]": rng.uniform(0, 9e6, n), "lifetime [s]": rng.uniform(1e7, 2e8, n),
              "fraction": rng.uniform(0, 1, n)}
        want = want + a["embodied [gCO2e]"] * t / a["lifetime [s]"] * a["fraction"]
    if platform != "none":
        a["platform_rate [gCO2e/s]"] = rng.uniform(0, 5, n)
        split = rng.uniform(1, 50, n) if platform == "concurrent_jobs" else rng.uniform(0, 1, n)
        a[platform] = split
        want = want + a["platform_rate [gCO2e/s]"] * t * (
            1 / split if platform == "concurrent_jobs" else split)
    if products != "none":
        a["epc [gCO2e]"] = rng.uniform(0, 1e9, n)
        if products == "product_lifetime":
            a |= {"product_lifetime [s]": rng.uniform(1e7, 2e8, n),
                  "parallel_jobs": rng.uniform(1, 64, n)}
            want = want + a["epc [gCO2e]"] * t / (a["product_lifetime [s]"] * a["parallel_jobs"])
        else:
            a["product_requests"] = rng.uniform(1, 1e9, n)
            want = want + a["epc [gCO2e]"] / a["product_requests"]
    if retraining:
        a |= {"retraining [gCO2e]": rng.uniform(0, 1e5, n),
              "retraining_requests": rng.uniform(1, 1e7, n)}
        want = want + a["retraining [gCO2e]"] / a["retraining_requests"]
    df = pd.DataFrame(a)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fleet, "BLOCK_ROWS", block)
        totals = carbon.asc_e_frame(df, breakdown=False).to_numpy()
        parts = carbon.asc_e_frame(df)["asc_e [gCO2e]"].to_numpy()
    np.testing.assert_allclose(totals, want, rtol=1e-9, atol=0)
    np.testing.assert_allclose(totals, parts, rtol=1e-9, atol=0)
    if embodied or products == "product_lifetime":  # an +inf denominator is still refused
        col = "lifetime [s]" if embodied else "product_lifetime [s]"
        bad = df.copy()
        bad.loc[n - 1, col] = np.inf
        with pytest.raises(InvalidValueError, match=rf"{col.split()[0]} \[s\]\[{n - 1}\]"):
            carbon.asc_e_frame(bad, breakdown=False)
