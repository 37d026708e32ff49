"""Validated records: facilities, systems, platforms, products used, and jobs.

Records are validated at the boundary and frozen; the core computes on them without checking
again. A record built without its required fields fails: nothing becomes zero by default.
Every validation error is a :class:`carbon.InvalidValueError` (or ``UnitMismatchError``)
naming the record and field, e.g. ``Job.energy[0].energy``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from carbon._electricity import ConstantIntensity, EnergyMix, HourlyIntensity
from carbon._errors import InvalidValueError, ModelCarbonError, UnitMismatchError
from carbon._instruments import ContractualInstrument
from carbon._lazy import is_pandas, lazy_module
from carbon._quantity_types import Carbon, CarbonRate, CarriedError, Energy, Intensity, Time
from carbon._units import magnitude, quantity, shown

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")  # imported on first use: carbon's formulas need no pandas

if TYPE_CHECKING:
    PowerTrace = pd.Series
else:  # pydantic reads the annotation when the class is made: no pandas for it
    PowerTrace = Any

__all__ = [
    "EnergyRole",
    "EnergyUse",
    "Facility",
    "Job",
    "PlatformUse",
    "ProductUse",
    "Provenance",
    "Record",
    "RetrainingUse",
    "System",
]


class Provenance(StrEnum):
    """How a figure was obtained (specs/measure.md)."""

    MEASURED = "measured"  # a hardware energy counter
    SAMPLED = "sampled"  # integrated power readings
    ESTIMATED = "estimated"  # TDP and utilisation, or a stated wattage
    REPORTED = "reported"  # given by a person or a paper


class EnergyRole(StrEnum):
    """What an energy figure is (specs/metrics.md, "Idle and infrastructure energy")."""

    DYNAMIC = "dynamic"  # the job's own draw on the system (the default)
    IDLE = "idle"  # idle draw of held devices and the facility infrastructure while it ran


class Record(BaseModel):
    """Base of every record: frozen, no unknown fields, errors in the modelcarbon tree."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    def __init__(self, **data: Any) -> None:
        fields = type(self).model_fields
        for k, v in data.items():  # a bool is not a number (pydantic's lax mode reads 1.0)
            if isinstance(v, bool) and k in fields and fields[k].annotation in (
                    float, int, "float", "int", float | None, int | None):
                raise InvalidValueError(f"{type(self).__name__}.{k}", v,
                                        "a number (a bool is not one)")
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise _translate(type(self).__name__, e) from e

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Self:
        """A copy; with ``update``, a new record validated like any other (pydantic's own
        ``model_copy`` skips validation, so ``update={"energy": Q_(90, "J")}`` would keep
        joules where kWh are stored: a 3.6-million-fold error)."""
        if not update:
            return super().model_copy(deep=deep)
        fields = {k: getattr(self, k) for k in type(self).model_fields if k in self.__dict__}
        return type(self)(**{**fields, **update})

    def __eq__(self, other: object) -> bool:
        """Field-wise equality; pandas objects (power traces, hourly series) compare by value."""
        if type(self) is not type(other):
            return NotImplemented
        assert isinstance(other, BaseModel)
        return all(_same(v, getattr(other, k)) for k, v in self.__dict__.items())


def _same(a: Any, b: Any) -> bool:
    if is_pandas(a, "Series", "DataFrame") or is_pandas(b, "Series", "DataFrame"):
        return type(a) is type(b) and bool(a.equals(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _translate(record: str, e: ValidationError) -> ModelCarbonError:
    err = e.errors()[0]
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
    field = f"{record}{loc}"
    original = (err.get("ctx") or {}).get("error")
    if isinstance(original, CarriedError):
        original = original.error
    if isinstance(original, ModelCarbonError):
        inner = original.field
        head = re.split(r"[.\[]", inner, maxsplit=1)[0]
        nested = "." in inner and head[:1].isupper()  # "EnergyUse.energy": a nested record
        own = bool(err["loc"]) and str(err["loc"][-1]) == head  # a validator naming its field
        if nested or own:
            field = f"{field}{inner[len(head):]}"
        elif not err["loc"]:  # a model validator naming one of the record's fields
            field = f"{record}.{inner}"
        return type(original)(field, original.value, original.expected,
                              original.message.replace(original.field, field, 1))
    expected = err["msg"][0].lower() + err["msg"][1:]
    if err["type"] == "missing":
        expected = "a value (this field is required; nothing defaults to zero)"
    cls = UnitMismatchError if "unit" in expected else InvalidValueError
    value = err.get("input")
    if isinstance(value, dict):  # a record-level check: the input is the whole record
        value = f"{record}({', '.join(sorted(value))})"
    return cls(field, value, expected)


class Facility(Record):
    """Where systems run: a PUE and the electricity that feeds them.

    ``mix`` gives the location-based figures; ``instruments`` (contractual instruments: EACs,
    PPAs, green tariffs) and ``residual_mix`` [gCO2e/kWh] the market-based ones beside them
    (:func:`carbon.scope2`), never in their place.

    >>> from carbon import country, ContractualInstrument
    >>> Facility(name="Paris DC", pue=1.2, mix=country("FRA")).pue
    1.2
    >>> ppa = ContractualInstrument("PPA", "0 gCO2e/kWh", 0.6, source="wind PPA 2026")
    >>> Facility(name="dc", pue=1.1, mix="400 gCO2e/kWh", instruments=(ppa,),
    ...          residual_mix="520 gCO2e/kWh").residual_mix
    <Quantity(520.0, 'gram_CO2e / kilowatt_hour')>
    """

    name: str
    pue: float = Field(ge=1.0, allow_inf_nan=False, description="power usage effectiveness >= 1")
    mix: EnergyMix
    instruments: tuple[ContractualInstrument, ...] = Field(
        default=(), description="contractual instruments on its electricity, applied in order")
    residual_mix: Intensity | None = Field(
        default=None, description="factor of the electricity no instrument covers [gCO2e/kWh]")
    _ci: float | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _residual_for_the_rest(self) -> Self:
        shares = [s for i in self.instruments if (s := i.share) is not None]
        if (self.instruments and self.residual_mix is None
                and len(shares) == len(self.instruments) and sum(shares) < 1.0):
            raise InvalidValueError("residual_mix", None, "the residual mix for the electricity "
                                    "the instruments leave uncovered, e.g. '520 gCO2e/kWh'")
        return self

    @field_validator("mix", mode="before")
    @classmethod
    def _mix(cls, value: Any) -> Any:
        if isinstance(value, EnergyMix):
            return value
        try:
            ci = magnitude(value, "gCO2e/kWh", "mix")
        except ModelCarbonError as e:
            raise CarriedError(e) from e
        return ConstantIntensity(ci, source="given by caller")

    def model_post_init(self, context: Any) -> None:
        if not isinstance(self.mix, HourlyIntensity):
            self._ci = self.mix.gco2e_per_kwh

    def intensity_gco2e_per_kwh(self, start: datetime | None, end: datetime | None,
                                power: pd.Series | None = None) -> float:
        if self._ci is not None:
            return self._ci
        return self.mix.mean_gco2e_per_kwh(start, end, power)


class System(Record):
    """A machine (or a card) with its embodied carbon and lifetime, in a facility.

    Embodied carbon may be unknown: leave ``embodied`` out and say why in
    ``embodied_unknown``. The system then adds nothing to a job's embodied part and every
    total it enters is a lower bound (:attr:`Breakdown.unknown` lists the reason); it is never
    booked as zero without a word.

    >>> from carbon import Q_
    >>> fac = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
    >>> s = System(name="8-GPU server", embodied="6800 kgCO2e", lifetime="4 year",
    ...            facility=fac, source="Boavizta API 2.5.0 server model")
    >>> s.embodied
    <Quantity(6800000.0, 'gram_CO2e')>
    >>> System(name="V100", lifetime="3 year", facility=fac,
    ...        embodied_unknown="no sourced figure for this card").embodied is None
    True
    """

    name: str
    embodied: Carbon | None = None
    lifetime: Time
    facility: Facility
    embodied_unknown: str | None = Field(
        default=None, description="why the embodied carbon is unknown (with embodied=None)")
    embodied_uncertainty: Carbon | None = Field(
        default=None, description="absolute +- on embodied (None: not stated, unknown)")
    use_rate: float = Field(
        default=1.0, gt=0.0, le=1.0, allow_inf_nan=False,
        description="share of its lifetime the system is in use [dimensionless]: embodied "
        "carbon is amortised over lifetime * use_rate of working time (BLOOM: 6 years at 85 "
        "%); 1 amortises over the whole lifetime")
    source: str | None = None
    id: str | None = None

    @field_validator("lifetime")
    @classmethod
    def _lifetime(cls, v: Any) -> Any:
        if v.magnitude <= 0:
            raise InvalidValueError("lifetime", v, "a lifetime > 0 (a system lasts some time)")
        return v

    @model_validator(mode="after")
    def _embodied_or_reason(self) -> Self:
        if self.embodied is None and not (self.embodied_unknown or "").strip():
            raise InvalidValueError(
                "embodied", None, "an embodied carbon (e.g. '150 kgCO2e'), or the reason it is "
                "unknown in embodied_unknown (unknown is never zero)")
        if self.embodied is not None and self.embodied_unknown is not None:
            raise InvalidValueError("embodied_unknown", self.embodied_unknown,
                                    "no reason when embodied is given (one or the other)")
        return self


class EnergyUse(Record):
    """The energy a job used on one system, and how that figure was obtained."""

    system: System
    energy: Energy
    provenance: Provenance
    uncertainty: Energy | None = Field(default=None, description="absolute +- on energy")
    source: str | None = None
    fraction: float = Field(default=1.0, ge=0.0, le=1.0, allow_inf_nan=False,
                            description="share of the system held (1 when alone)")
    duration: Time | None = Field(default=None, description="time the system was held; "
                                  "defaults to the job's duration")
    # a pandas Series, checked by _power (the annotation would import pandas with carbon)
    power: PowerTrace | None = Field(default=None, description="optional power trace [W]")
    role: EnergyRole = Field(default=EnergyRole.DYNAMIC, description="dynamic (the job's own "
                             "draw) or idle (idle and infrastructure energy while it ran)")

    @field_validator("power")
    @classmethod
    def _power(cls, v: pd.Series | None) -> pd.Series | None:
        """A power trace: watts >= 0, finite, numeric (not bool), on a sorted time index."""
        if v is None:
            return v
        if not is_pandas(v, "Series"):
            raise InvalidValueError("power", shown(v), "a pandas Series of watts on a "
                                    "DatetimeIndex, >= 2 samples")
        if not isinstance(v.index, pd.DatetimeIndex) or len(v) < 2:
            raise InvalidValueError("power", f"{len(v)} samples",
                                    "a pandas Series of watts on a DatetimeIndex, >= 2 samples")
        if v.dtype.kind not in "iuf":
            raise InvalidValueError("power", str(v.dtype), "numeric watts (not bool, text or "
                                    "timestamps)")
        a = v.to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(a) | (a < 0))
        if len(bad):
            i = int(bad[0])
            raise InvalidValueError(f"power[{v.index[i]}]", float(a[i]),
                                    "finite watts >= 0 (a NaN or negative sample is not "
                                    "clamped)")
        if not v.index.is_monotonic_increasing:
            raise InvalidValueError("power", "unsorted index", "samples in time order")
        return v


class PlatformUse(Record):
    """The always-on platform a job ran in: its overhead rate and how it is split."""

    name: str
    rate: CarbonRate
    concurrent_jobs: float = Field(default=1.0, ge=1.0, allow_inf_nan=False)
    share: float | None = Field(default=None, ge=0.0, le=1.0, allow_inf_nan=False)
    uncertainty: CarbonRate | None = Field(default=None, description="absolute +- on rate")

    @model_validator(mode="after")
    def _one_split(self) -> Self:
        if self.share is not None and self.concurrent_jobs != 1.0:
            raise ValueError("give either share or concurrent_jobs, not both")
        return self

    @property
    def split(self) -> float:
        return self.share if self.share is not None else 1.0 / self.concurrent_jobs

    @classmethod
    def from_jobs(cls, name: str, carbon: Any, period: Any, **kw: Any) -> PlatformUse:
        """A platform whose rate is its own jobs' carbon over a period (R = C / T).

        >>> from carbon import Q_
        >>> PlatformUse.from_jobs("k8s", Q_(3, "kgCO2e"), Q_(1, "min")).rate
        <Quantity(50.0, 'gram_CO2e / second')>
        """
        c = magnitude(carbon, "gCO2e", "carbon")
        t = magnitude(period, "s", "period")
        if t <= 0:
            raise InvalidValueError("period", period, "a period > 0")
        return cls(name=name, rate=quantity(c / t, "gCO2e/s"), **kw)


class ProductUse(Record):
    """A product (platform, dataset, model) a job used: its EPC, shared by time or requests."""

    name: str
    epc: Carbon
    lifetime: Time | None = None
    parallel_jobs: float = Field(default=1.0, ge=1.0, allow_inf_nan=False)
    requests: float | None = Field(default=None, gt=0, allow_inf_nan=False,
                                   description="expected lifetime requests (instead of time)")
    uncertainty: Carbon | None = Field(default=None, description="absolute +- on epc")

    @model_validator(mode="after")
    def _one_basis(self) -> Self:
        if (self.lifetime is None) == (self.requests is None):
            raise ValueError("give exactly one of lifetime (share by time) or requests")
        if self.lifetime is not None and self.lifetime.magnitude <= 0:
            raise ValueError("lifetime must be > 0")
        return self


class RetrainingUse(Record):
    """Re-training carbon of an interval and the requests served in it."""

    carbon: Carbon
    requests: float = Field(gt=0, allow_inf_nan=False)
    uncertainty: Carbon | None = Field(default=None, description="absolute +- on carbon")


class Job(Record):
    """One unit of work: energy per system, duration or window, platform, products used.

    >>> from carbon import Q_
    >>> fac = Facility(name="dc", pue=1.08, mix="665.6 gCO2e/kWh")
    >>> box = System(name="box", embodied="10000 gCO2e", lifetime="3 year", facility=fac)
    >>> job = Job(name="example", duration="5 min",
    ...           energy=[EnergyUse(system=box, energy="1 kJ", provenance="reported")])
    >>> job.duration
    <Quantity(300.0, 'second')>
    """

    name: str
    energy: list[EnergyUse] = Field(min_length=1)
    duration: Time | None = None
    start: datetime | None = None
    end: datetime | None = None
    platform: PlatformUse | None = None
    products: list[ProductUse] = Field(default_factory=list)
    retraining: RetrainingUse | None = None
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    meta: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.start is not None and self.end is not None:
            if self.end <= self.start:
                raise ValueError(f"end ({self.end}) must be after start ({self.start})")
            window_s = (self.end - self.start) / timedelta(seconds=1)
            if self.duration is None:
                object.__setattr__(self, "duration", quantity(window_s, "s"))
            elif abs(self.duration.magnitude - window_s) > 1e-6 * max(window_s, 1.0):
                raise ValueError(
                    f"duration {self.duration:~P} disagrees with the window ({window_s} s)"
                )
        if self.duration is None:
            raise ValueError("give a duration or a start and end time")
        for k, use in enumerate(self.energy):
            if use.power is None or self.start is None or self.end is None:
                continue
            idx = pd.DatetimeIndex(use.power.index)
            t0, t1 = (pd.Timestamp(x).tz_localize("UTC") if pd.Timestamp(x).tzinfo is None
                      else pd.Timestamp(x).tz_convert("UTC") for x in (self.start, self.end))
            i0, i1 = (idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC"))[[0, -1]]
            if i1 <= t0 or i0 >= t1:
                raise CarriedError(InvalidValueError(
                    f"energy[{k}].power", f"{i0.isoformat()} to {i1.isoformat()}",
                    f"a power trace that overlaps the job's window ({t0.isoformat()} to "
                    f"{t1.isoformat()})"))
        return self
