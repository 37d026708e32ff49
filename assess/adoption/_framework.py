"""The two inputs of the adoption-viability framework: organisational barriers and technique
characteristics, each rated on three levels (specs/adoption.md).

Barriers are phrased positively (``H`` is good). For characteristics, ``complexity``,
``effort`` and ``disruption`` cost more when higher; ``energy_reduction`` is better when
higher. A characteristic's ``basis`` says whether its level was ``rated`` by people or derived
from a ``measured`` result (see :mod:`assess.adoption._measured`).

>>> org = Organisation(perceived_benefits="M", environmental_awareness="H",
...                    information="L", resources="M")
>>> org.information
<Level.L: 'L'>
>>> Characteristics(complexity="L", effort="M", disruption="L",
...                 energy_reduction="H").basis["effort"].label
'rated'
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator

from carbon import CarriedError, InvalidValueError, Record

__all__ = [
    "BARRIERS",
    "CHARACTERISTICS",
    "COST_CHARACTERISTICS",
    "Basis",
    "Characteristics",
    "Level",
    "Organisation",
    "better_level",
    "worse_level",
]

#: The four organisational barriers, in the order of specs/adoption.md.
BARRIERS: tuple[str, ...] = (
    "perceived_benefits", "environmental_awareness", "information", "resources",
)
#: The four technique characteristics, in the order of specs/adoption.md.
CHARACTERISTICS: tuple[str, ...] = ("complexity", "effort", "disruption", "energy_reduction")
#: Characteristics for which a higher level costs more (energy_reduction is the exception).
COST_CHARACTERISTICS: frozenset[str] = frozenset({"complexity", "effort", "disruption"})


class Level(StrEnum):
    """A rating level: low, medium, high. ``rank`` is 0, 1, 2 (matrix row/column index)."""

    L = "L"
    M = "M"
    H = "H"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def of(cls, value: Any, field: str = "level") -> Level:
        """Parse ``"L"``/``"M"``/``"H"`` (any case) or a Level; anything else is an error.

        >>> Level.of("h")
        <Level.H: 'H'>
        >>> Level.of("X", "effort")
        Traceback (most recent call last):
        ...
        carbon._errors.InvalidValueError: effort='X' is invalid: expected one of 'L', 'M', 'H' ...
        """
        if isinstance(value, Level):
            return value
        if isinstance(value, str) and value.strip().upper() in _BY_NAME:
            return _BY_NAME[value.strip().upper()]
        raise InvalidValueError(field, value, "one of 'L', 'M', 'H' (low, medium, high)")


_RANK = {Level.L: 0, Level.M: 1, Level.H: 2}
_BY_NAME = {"L": Level.L, "M": Level.M, "H": Level.H}
_BY_RANK = (Level.L, Level.M, Level.H)


def _shift(level: Level, step: int) -> Level | None:
    r = level.rank + step
    return _BY_RANK[r] if 0 <= r <= 2 else None


def better_level(name: str, level: Level) -> Level | None:
    """The next better level of barrier or characteristic ``name``, or None at the best.

    Better = higher for barriers and ``energy_reduction``; lower (less costly) for
    ``complexity``, ``effort`` and ``disruption``.

    >>> better_level("effort", Level.M), better_level("information", Level.H)
    (<Level.L: 'L'>, None)
    """
    return _shift(level, -1 if name in COST_CHARACTERISTICS else +1)


def worse_level(name: str, level: Level) -> Level | None:
    """The next worse level of ``name`` (the opposite of :func:`better_level`), or None.

    >>> worse_level("energy_reduction", Level.M)
    <Level.L: 'L'>
    """
    return _shift(level, +1 if name in COST_CHARACTERISTICS else -1)


def _level(value: Any) -> Level:
    try:
        return Level.of(value)
    except InvalidValueError as e:
        raise CarriedError(e) from e


class Organisation(Record):
    """The organisation's four barriers (L/M/H, high is good), assessed periodically.

    An older form phrased them as "lack of X": a "lack of X" rated L equals X rated H.
    Every barrier is required; nothing defaults.

    >>> Organisation(perceived_benefits="M", environmental_awareness="M", information="L")
    Traceback (most recent call last):
    ...
    carbon._errors.InvalidValueError: Organisation.resources=... is invalid: expected a value ...
    """

    perceived_benefits: Level
    environmental_awareness: Level
    information: Level
    resources: Level
    name: str | None = None

    @field_validator(*BARRIERS, mode="before")
    @classmethod
    def _levels(cls, value: Any) -> Level:
        return _level(value)

    def level(self, barrier: str) -> Level:
        """The level of one barrier by name."""
        if barrier not in BARRIERS:
            raise InvalidValueError("barrier", barrier, f"one of {', '.join(BARRIERS)}")
        value: Level = getattr(self, barrier)
        return value

    def replace(self, barrier: str, level: Level | str) -> Organisation:
        """A copy with one barrier at another level."""
        self.level(barrier)
        return Organisation(**{**self._fields(), barrier: Level.of(level, barrier)})

    def _fields(self) -> dict[str, Any]:
        return {"name": self.name, **{b: self.level(b) for b in BARRIERS}}


class Basis(Record):
    """Where a characteristic's level comes from: ``rated`` by people or ``measured``."""

    label: Literal["rated", "measured"]
    detail: str | None = None


def _all_rated() -> dict[str, Basis]:
    return {c: Basis(label="rated") for c in CHARACTERISTICS}


class Characteristics(Record):
    """A technique's four characteristics (L/M/H) and the basis of each level.

    ``complexity`` L = within the existing skill set, M = specialised but easy to acquire,
    H = highly specialised; ``effort`` the work to implement; ``disruption`` L = no or very
    minor changes, M = some changes, process stays the same, H = significant customisation or
    interference (including loss of quality); ``energy_reduction`` the expected saving.
    ``basis`` defaults to ``rated`` for every characteristic not given. ``energy_increase``
    is set (with the finding) when a conclusive measurement showed that the technique uses
    *more* energy per unit of work: the advice is then negative whatever the matrices score.
    """

    complexity: Level
    effort: Level
    disruption: Level
    energy_reduction: Level
    basis: dict[str, Basis] = Field(default_factory=_all_rated)
    energy_increase: str | None = None

    @field_validator(*CHARACTERISTICS, mode="before")
    @classmethod
    def _levels(cls, value: Any) -> Level:
        return _level(value)

    @field_validator("basis", mode="before")
    @classmethod
    def _basis(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - set(CHARACTERISTICS))
        if unknown:
            raise CarriedError(InvalidValueError(
                "basis", unknown, f"keys among {', '.join(CHARACTERISTICS)}"))
        return {**_all_rated(), **value}

    def level(self, characteristic: str) -> Level:
        """The level of one characteristic by name."""
        if characteristic not in CHARACTERISTICS:
            raise InvalidValueError("characteristic", characteristic,
                                    f"one of {', '.join(CHARACTERISTICS)}")
        value: Level = getattr(self, characteristic)
        return value

    def replace(self, characteristic: str, level: Level | str,
                basis: Basis | None = None) -> Characteristics:
        """A copy with one characteristic at another level (and optionally its basis)."""
        self.level(characteristic)
        fields = self._fields()
        fields[characteristic] = Level.of(level, characteristic)
        if basis is not None:
            fields["basis"] = {**self.basis, characteristic: basis}
        return Characteristics(**fields)

    def _fields(self) -> dict[str, Any]:
        return {"basis": dict(self.basis), "energy_increase": self.energy_increase,
                **{c: self.level(c) for c in CHARACTERISTICS}}
