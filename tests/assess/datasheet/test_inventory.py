"""assess.datasheet._inventory: a reporting period from the ledger, by scope, both ways."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from assess.datasheet._inventory import inventory, parse_period, write_inventory
from carbon import (
    ContractualInstrument,
    EnergyUse,
    Facility,
    InvalidValueError,
    Job,
    System,
    asc_e,
)
from lineage import Ledger, ReportedCarbon

FAC = Facility(name="dc", pue=1.5, mix="400 gCO2e/kWh")
BOX = System(name="box", embodied="8760 gCO2e", lifetime="1 year", facility=FAC)


def _job(kwh: float, when: datetime, **meta: object) -> Job:
    return Job(name=f"j{kwh}", start=when, end=when.replace(hour=when.hour + 1),
               energy=[EnergyUse(system=BOX, energy=f"{kwh} kWh", provenance="measured")],
               meta=dict(meta))


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026-Q3", "2026-07-01", "2026-10-01"), ("2026-Q4", "2026-10-01", "2027-01-01"),
    ("2026-12", "2026-12-01", "2027-01-01"), ("2026", "2026-01-01", "2027-01-01"),
    ("2026-02-01..2026-02-15", "2026-02-01", "2026-02-15"),
])
def test_periods(text: str, start: str, end: str) -> None:
    a, b = parse_period(text)
    assert (a.date().isoformat(), b.date().isoformat()) == (start, end)


@pytest.mark.parametrize("bad", ["2026-Q5", "Q3", "2026-13", "", "2026-09-01..2026-08-01", 5])
def test_bad_periods(bad: object) -> None:
    with pytest.raises(InvalidValueError, match="period"):
        parse_period(bad)  # type: ignore[arg-type]


def test_inventory_by_scope_and_product(tmp_path: Path) -> None:
    inside = datetime(2026, 8, 3, 10, tzinfo=UTC)
    outside = datetime(2026, 6, 30, 10, tzinfo=UTC)
    with Ledger(str(tmp_path / "l.sqlite")) as book:
        book.add_product("m", kind="model", name="M")
        train = _job(10.0, inside)
        book.add_job(train, product="m", phase="training")
        book.add_job(_job(99.0, outside), product="m", phase="training")
        serve = _job(1.0, inside, role="inference", model="m", requests=1000)
        book.add_job(serve)
        book.add_job(ReportedCarbon(carbon="2 kgCO2e", source="bill", id="r"),
                     product="m", phase="data")
        jobs = book.jobs()
    ppa = ContractualInstrument("PPA", "0 gCO2e/kWh", "6 kWh", source="wind PPA")
    inv = inventory(jobs, "2026-Q3", instruments=(ppa,), residual_mix="500 gCO2e/kWh")
    rows = inv.set_index(["product", "scope"])
    b = asc_e(train)
    s2 = rows.loc[("m", "scope 2")]
    assert s2["location-based [gCO2e]"] == pytest.approx(
        b.operational_g + b.overhead_g + asc_e(serve).operational_g + asc_e(serve).overhead_g)
    # 16.5 kWh of facility energy in the period: 6 kWh covered by the PPA at 0, the rest at 500
    assert s2["market-based [gCO2e]"] == pytest.approx((15.0 + 1.5 - 6.0) * 500)
    assert rows.loc[("m", "scope 3 category 2"), "location-based [gCO2e]"] == \
        pytest.approx(2.0)  # 2 one-hour jobs of a 1-year, 8760 g system
    assert s2["SCI per request [gCO2e]"] == pytest.approx(
        (asc_e(serve).operational_g + asc_e(serve).overhead_g + asc_e(serve).embodied_g) / 1000)
    # the job of June is outside; the reported figure has no date: counted apart, not added
    assert inv.attrs["undated"] == 1 and set(inv["scope"]) == {
        "scope 2", "scope 3 category 1", "scope 3 category 2"}
    files = write_inventory(inv, tmp_path / "out")
    assert sorted(p.suffix for p in files) == [".csv", ".html", ".json", ".parquet"]
    back = pd.read_parquet(tmp_path / "out" / "inventory.parquet")
    assert list(back.columns) == list(inv.columns)
    doc = json.loads((tmp_path / "out" / "inventory.json").read_text())
    assert doc["period"].startswith("2026-07-01")


def test_market_based_is_unknown_without_instruments() -> None:
    when = datetime(2026, 8, 3, 10, tzinfo=UTC)
    inv = inventory([(_job(1.0, when), "m")], "2026-Q3")
    s2 = inv.set_index("scope").loc["scope 2"]
    assert s2["market-based [gCO2e]"] is None or pd.isna(s2["market-based [gCO2e]"])
    assert "unknown" in s2["note"]


def test_the_facilitys_own_instruments_are_drawn_down_over_the_period() -> None:
    when = datetime(2026, 8, 3, 10, tzinfo=UTC)
    ppa = ContractualInstrument("PPA", "0 gCO2e/kWh", "10 kWh", source="wind PPA 2026",
                                period="2026")
    fac = Facility(name="green dc", pue=1.5, mix="400 gCO2e/kWh", instruments=(ppa,),
                   residual_mix="500 gCO2e/kWh")
    box = System(name="box", embodied="8760 gCO2e", lifetime="1 year", facility=fac)

    def job(kwh: float, idle: float = 0.0) -> Job:
        uses = [EnergyUse(system=box, energy=f"{kwh} kWh", provenance="measured")]
        if idle:
            uses.append(EnergyUse(system=box, energy=f"{idle} kWh", provenance="estimated",
                                  role="idle"))
        return Job(name=f"j{kwh}", start=when, end=when.replace(hour=11), energy=uses)

    inv = inventory([(job(4.0), "m"), (job(4.0, idle=2.0), "m")], "2026-Q3")
    s2 = inv.set_index(["product", "scope"]).loc[("m", "scope 2")]
    # 6 + 9 kWh of facility energy (PUE 1.5); the PPA's 10 kWh cover the first 10, once
    assert s2["market-based [gCO2e]"] == pytest.approx(5.0 * 500)
    # location-based beside it, idle energy included: 15 kWh x 400 g
    assert s2["location-based [gCO2e]"] == pytest.approx(15.0 * 400)
    # a stated residual mix overrides the facility's own for all the energy
    over = inventory([(job(4.0), "m")], "2026-Q3", residual_mix="100 gCO2e/kWh")
    assert over.set_index("scope").loc["scope 2", "market-based [gCO2e]"] == \
        pytest.approx(6.0 * 100)
