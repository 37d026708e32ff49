"""Statistics of measured comparisons: the ratio's interval, the tests, effect sizes, spread.

Every figure comes from :mod:`scipy.stats`; this module picks the estimators, states them, and
refuses inputs they are not defined for. Values are magnitudes in one unit (energies [J] from
:func:`measure.compare`); every result here is a ratio, a probability or a share, so it is
[dimensionless] whatever that unit.

- :func:`ratio_interval`: ``r = mean(candidate) / mean(baseline)`` and its bootstrap
  confidence interval (Efron & Tibshirani 1993), paired or independent;
- :func:`two_sample_test`: the p-value of "both sides draw the same energy", by Mann-Whitney U
  (Mann & Whitney 1947) or a paired permutation test;
- :func:`cv`: the coefficient of variation of one side;
- :func:`eta_squared_h`, :func:`groups`: more than two groups, by Kruskal-Wallis (Kruskal &
  Wallis 1952) with eta squared from H (Tomczak & Tomczak 2014) and Shapiro-Wilk per group
  (Shapiro & Wilk 1965).

>>> r = ratio_interval([10.0, 11.0, 9.0, 10.5], [21.0, 21.0, 19.5, 20.5])
>>> round(r.ratio, 3), round(r.low, 3), round(r.high, 3), r.method
(2.025, 1.93, 2.132, 'paired bootstrap, BCa, 9999 resamples')
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from carbon import InvalidValueError, magnitude, quantity

__all__ = [
    "GroupComparison",
    "GroupStats",
    "RatioInterval",
    "TwoSampleResult",
    "between_runs_arg",
    "cv",
    "eta_squared_h",
    "groups",
    "ratio_interval",
    "two_sample_test",
    "widen_ratio_interval",
]


@functools.cache
def _scipy_stats() -> Any:
    """:mod:`scipy.stats`, imported at first use (it doubles the import time of measure)."""
    from scipy import stats
    return stats


def rng_kw(seed: int) -> dict[str, Any]:
    """The seeded Generator as scipy.stats takes it: ``rng`` (scipy >= 1.15), else
    ``random_state``."""
    stats = _scipy_stats()
    name = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"
    return {name: np.random.default_rng(seed)}


TestKind = Literal["mannwhitney", "permutation"]


def _values(name: str, values: Any, *, least: int = 1) -> np.ndarray:
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as e:
        raise InvalidValueError(name, values, "a sequence of numbers") from e
    if x.ndim != 1 or x.size < least:
        raise InvalidValueError(name, values, f"a flat sequence of at least {least} numbers")
    if not np.all(np.isfinite(x)):
        raise InvalidValueError(name, values, "finite numbers (no NaN or inf)")
    return x


def cv(values: npt.ArrayLike) -> float:
    """Coefficient of variation [dimensionless] of one sample: ``CV = s / mean``.

    ``s`` is the sample standard deviation (``ddof=1``, Bessel's correction), from
    :func:`scipy.stats.variation`. ``values`` [any unit, > 0 on average]: at least 2.

    >>> round(cv([9.0, 10.0, 11.0]), 4)
    0.1
    """
    stats = _scipy_stats()
    x = _values("values", values, least=2)
    if not x.mean() > 0:
        raise InvalidValueError("values", values, "a sample with a mean > 0 (CV = s / mean)")
    return float(stats.variation(x, ddof=1))


@dataclass(frozen=True)
class RatioInterval:
    """``ratio = mean(candidate) / mean(baseline)`` [dimensionless], its interval and method."""

    ratio: float
    low: float
    high: float
    level: float
    method: str

    @property
    def rel_half_width(self) -> float:
        """``(high - low) / 2 / ratio`` [dimensionless]: the stopping criterion of compare
        (inf for a ratio of 0)."""
        return (self.high - self.low) / 2.0 / self.ratio if self.ratio > 0 else math.inf


def _ratio_of_means(x: np.ndarray, y: np.ndarray, axis: int = -1) -> Any:
    return np.mean(y, axis=axis) / np.mean(x, axis=axis)


def ratio_interval(baseline: npt.ArrayLike, candidate: npt.ArrayLike, *,
                   level: float = 0.95, paired: bool = True, n_resamples: int = 9999,
                   method: Literal["BCa", "percentile", "basic"] = "BCa",
                   seed: int = 0) -> RatioInterval:
    """The ratio of means and its bootstrap confidence interval [dimensionless].

    ``r = (1/n sum_i c_i) / (1/n sum_i b_i)``, i.e. the candidate's total energy over the
    baseline's for as many trials: energies add, so the ratio of means (not the mean of
    per-trial ratios, nor of medians) is the factor a fleet's bill changes by. Its interval
    is :func:`scipy.stats.bootstrap` (Efron & Tibshirani 1993, *An Introduction to the
    Bootstrap*, Chapman & Hall, ch. 13-14; BCa by default), resampling *pairs* of trials
    when ``paired`` (the trials of :func:`measure.compare` are interleaved pairs, so drift
    hits both members of a pair alike and the pairing is kept), or each side independently.
    Where BCa is undefined (a bootstrap distribution of one value: no spread at all) the
    percentile interval is used and the method says so. ``level`` [dimensionless] in (0, 1);
    ``seed``: the resampling is reproducible.

    >>> r = ratio_interval([10.0, 10.0, 10.0], [20.0, 20.0, 20.0])
    >>> (r.ratio, r.low, r.high), r.method
    ((2.0, 2.0, 2.0), 'paired bootstrap, percentile (BCa undefined: no spread), 9999 resamples')
    """
    stats = _scipy_stats()
    if not 0.0 < level < 1.0:
        raise InvalidValueError("level", level, "a confidence level in (0, 1), e.g. 0.95")
    if not (isinstance(n_resamples, int) and n_resamples >= 99):
        raise InvalidValueError("n_resamples", n_resamples, "an integer >= 99 (9999 default)")
    x = _values("baseline", baseline, least=2)
    y = _values("candidate", candidate, least=2)
    if paired and x.size != y.size:
        raise InvalidValueError("candidate", candidate, f"as many trials as the baseline "
                                f"({x.size}) for a paired interval")
    if not (x.mean() > 0 and y.mean() >= 0):
        raise InvalidValueError("baseline", baseline, "energies with a mean > 0 (the ratio's "
                                "denominator)")
    ratio = float(_ratio_of_means(x, y))
    kind = "paired" if paired else "independent"
    for m in (method, "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                res = stats.bootstrap((x, y), _ratio_of_means, paired=paired, vectorized=True,
                                      n_resamples=n_resamples, confidence_level=level,
                                      method=m, **rng_kw(seed))
            except (RuntimeWarning, stats.DegenerateDataWarning):
                if m == "percentile":
                    raise
                continue
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if math.isfinite(lo) and math.isfinite(hi):
            label = m if m == method else f"percentile ({method} undefined: no spread)"
            return RatioInterval(ratio, lo, hi, level,
                                 f"{kind} bootstrap, {label}, {n_resamples} resamples")
    return RatioInterval(ratio, ratio, ratio, level, f"{kind} bootstrap: no spread")


def between_runs_arg(value: Any) -> float | str | None:
    """``value`` checked as a ``between_runs_sd`` argument: None, ``"auto"``, or a finite
    standard deviation of ln(ratio) >= 0 [dimensionless] (a bool is refused).

    >>> between_runs_arg("auto"), between_runs_arg(0.2), between_runs_arg(None)
    ('auto', 0.2, None)
    """
    if value is None or value == "auto":
        return value  # type: ignore[no-any-return]
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value < 0):
        raise InvalidValueError("between_runs_sd", value,
                                "'auto', None, or an SD of ln(ratio) >= 0 (0.2: about 20 %)")
    return float(value)


def widen_ratio_interval(ratio: float, low: float, high: float, *, between_runs_sd: float,
                         level: float = 0.95) -> tuple[float, float]:
    """``(low', high')``: a ratio's within-run interval with a between-run component added.

    The trials of one run share its conditions; what changes between runs (a neighbour's
    load, cache contention, the host's clock) shifts ``ln r`` by a term no trial of the run
    can see. That term, of standard deviation ``s = between_runs_sd`` [dimensionless] on
    ``ln r`` (a Type B component, stated from earlier runs), is added in quadrature to each
    side's half-width on the log scale (GUM, JCGM 100:2008, sections 4.3 and 5.1):

        low'  = r * exp(-sqrt(ln(r / low)^2  + (z s)^2))
        high' = r * exp(+sqrt(ln(high / r)^2 + (z s)^2)),   z = Phi^-1((1 + level) / 2)

    so an asymmetric bootstrap interval stays asymmetric and ``s = 0`` returns it unchanged.
    ``ratio``, ``low``, ``high`` [dimensionless] > 0 with ``low <= ratio <= high``.

    >>> lo, hi = widen_ratio_interval(0.66, 0.64, 0.68, between_runs_sd=0.1)
    >>> round(lo, 3), round(hi, 3)
    (0.541, 0.805)
    >>> widen_ratio_interval(0.66, 0.64, 0.68, between_runs_sd=0.0)
    (0.64, 0.68)
    """
    s = between_runs_arg(between_runs_sd)
    if not isinstance(s, float):
        raise InvalidValueError("between_runs_sd", between_runs_sd,
                                "a standard deviation of ln(ratio) >= 0 (0.2: about 20 %)")
    if not (0.0 < low <= ratio <= high and math.isfinite(high)):
        raise InvalidValueError("ci", (low, ratio, high), "0 < low <= ratio <= high")
    if not 0.0 < level < 1.0:
        raise InvalidValueError("level", level, "a confidence level in (0, 1)")
    if s == 0.0:
        return low, high
    zs = float(_scipy_stats().norm.ppf(0.5 + level / 2.0)) * s
    down = math.sqrt(math.log(ratio / low) ** 2 + zs * zs)
    up = math.sqrt(math.log(high / ratio) ** 2 + zs * zs)
    return ratio * math.exp(-down), ratio * math.exp(up)


@dataclass(frozen=True)
class TwoSampleResult:
    """A two-sample test: its name, statistic and two-sided p-value [dimensionless]."""

    name: str
    statistic: float
    p_value: float


def _log_ratio(x: np.ndarray, y: np.ndarray, axis: int = -1) -> Any:
    return np.log(np.mean(y, axis=axis) / np.mean(x, axis=axis))


def two_sample_test(baseline: npt.ArrayLike, candidate: npt.ArrayLike, *,
                    test: TestKind = "mannwhitney", n_resamples: int = 9999,
                    seed: int = 0) -> TwoSampleResult:
    """Two-sided p-value [dimensionless] of "baseline and candidate draw alike".

    ``"mannwhitney"``: :func:`scipy.stats.mannwhitneyu` (Mann & Whitney 1947, "On a test of
    whether one of two random variables is stochastically larger than the other", Ann. Math.
    Statist. 18(1), doi:10.1214/aoms/1177730491), rank-based, so one outlier trial cannot
    decide; the statistic is ``U`` of the baseline, exact for small samples without ties,
    else normal with tie and continuity corrections. ``"permutation"``:
    :func:`scipy.stats.permutation_test` with ``permutation_type="samples"`` (the two
    members of each pair swapped at random: paired trials), statistic
    ``log(mean(candidate) / mean(baseline))``.

    >>> t = two_sample_test([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0])
    >>> t.name, t.statistic, round(t.p_value, 4)
    ('Mann-Whitney', 0.0, 0.0286)
    """
    stats = _scipy_stats()
    x = _values("baseline", baseline, least=2)
    y = _values("candidate", candidate, least=2)
    if test == "mannwhitney":
        res = stats.mannwhitneyu(x, y, alternative="two-sided", method="auto")
        return TwoSampleResult("Mann-Whitney", float(res.statistic), float(res.pvalue))
    if test == "permutation":
        if x.size != y.size:
            raise InvalidValueError("candidate", candidate, "as many trials as the baseline "
                                    "(a paired permutation test)")
        if not (x.mean() > 0 and y.mean() > 0):
            raise InvalidValueError("baseline", baseline, "energies with means > 0")
        res = stats.permutation_test((x, y), _log_ratio, permutation_type="samples",
                                     vectorized=True, n_resamples=n_resamples,
                                     alternative="two-sided",
                                     **rng_kw(seed))
        return TwoSampleResult("paired permutation", float(res.statistic), float(res.pvalue))
    raise InvalidValueError("test", test, "'mannwhitney' or 'permutation'")


def eta_squared_h(h: float, k: int, n: int) -> float:
    """Eta squared [dimensionless] of a Kruskal-Wallis test, from its H statistic.

    ``eta^2_H = (H - k + 1) / (n - k)``, with ``k`` groups and ``n`` observations in all
    (Tomczak & Tomczak 2014, "The need to report effect size estimates revisited. An overview
    of some recommended measures of effect size", Trends in Sport Sciences 21(1), 19-25). It
    estimates the share of the variance of the ranks explained by the groups; it is not
    clipped, so it is slightly negative when ``H < k - 1`` (no effect at all).

    >>> round(eta_squared_h(12.0, 3, 30), 4)
    0.3704
    """
    if not (isinstance(k, int) and k >= 2):
        raise InvalidValueError("k", k, "an integer >= 2 (groups)")
    if not (isinstance(n, int) and n > k):
        raise InvalidValueError("n", n, f"an integer > k={k} (observations in all)")
    if not (math.isfinite(h) and h >= 0):
        raise InvalidValueError("h", h, "a Kruskal-Wallis H >= 0")
    return (h - k + 1) / (n - k)


@dataclass(frozen=True)
class GroupStats:
    """One group: size, mean and median (quantities in the samples' unit), CV, Shapiro-Wilk.

    ``shapiro_w``/``shapiro_p`` are None (with ``shapiro_note``) where the test is undefined:
    fewer than 3 values, or all equal.
    """

    name: str
    n: int
    mean: Any
    median: Any
    cv: float | None
    shapiro_w: float | None
    shapiro_p: float | None
    shapiro_note: str | None = None


@dataclass(frozen=True)
class GroupComparison:
    """More than two groups: per-group statistics, Kruskal-Wallis H and p, eta squared.

    ``conclusive``: ``p < 1 - level`` (some group differs; which one is for pairwise
    :func:`measure.compare`). ``samples``: the values per group (quantities);
    ``durations`` [s], ``provenance`` and ``notes`` are filled by
    :func:`measure.compare_many`.
    """

    groups: tuple[GroupStats, ...]
    h: float
    p_value: float
    eta_squared: float
    level: float
    conclusive: bool
    samples: Mapping[str, tuple[Any, ...]]
    durations: Mapping[str, tuple[Any, ...]] | None = None
    provenance: str | None = None
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line per group, then the test's verdict."""
        lines = []
        for g in self.groups:
            sw = (f"Shapiro-Wilk W={g.shapiro_w:.3f} p={g.shapiro_p:.3g}"
                  if g.shapiro_w is not None and g.shapiro_p is not None
                  else f"Shapiro-Wilk: {g.shapiro_note}")
            spread = "CV unknown" if g.cv is None else f"CV={g.cv:.3f}"
            lines.append(f"{g.name}: n={g.n}, mean={g.mean:.4g~P}, {spread}, {sw}")
        verdict = "conclusive" if self.conclusive else "not conclusive"
        n = sum(g.n for g in self.groups)
        lines.append(f"Kruskal-Wallis H={self.h:.3f} p={_p(self.p_value)}, "
                     f"eta²={self.eta_squared:.3f} ({len(self.groups)} groups, {n} values, "
                     f"{self.level * 100:g} %): {verdict}")
        return "\n".join(lines)


def _p(p: float) -> str:
    return f"{p:.4f}" if p >= 1e-4 else "<0.0001"


def _shapiro(x: np.ndarray) -> tuple[float | None, float | None, str | None]:
    stats = _scipy_stats()
    if x.size < 3:
        return None, None, "fewer than 3 values"
    if np.ptp(x) == 0:
        return None, None, "all values equal"
    res = stats.shapiro(x)
    return float(res.statistic), float(res.pvalue), None


def groups(samples: Mapping[str, Sequence[Any]], *, level: float = 0.95,
           unit: str = "J") -> GroupComparison:
    """Compare ``k >= 2`` groups: Kruskal-Wallis, eta squared, Shapiro-Wilk and CV per group.

    ``samples``: per group name, its values, quantities of one dimension (converted to
    ``unit``) or numbers taken to be in ``unit``. Kruskal-Wallis H and its p-value are
    :func:`scipy.stats.kruskal` (Kruskal & Wallis 1952, "Use of ranks in one-criterion
    variance analysis", JASA 47(260), doi:10.1080/01621459.1952.10483441; ties corrected);
    eta squared is :func:`eta_squared_h`; Shapiro-Wilk W and p per group are
    :func:`scipy.stats.shapiro` (Shapiro & Wilk 1965, "An analysis of variance test for
    normality (complete samples)", Biometrika 52(3-4), doi:10.1093/biomet/52.3-4.591),
    reported so that a reader can see whether a parametric test would have been fit (the
    verdict itself is rank-based and does not assume normality); CV per group is :func:`cv`.

    >>> g = groups({"a": [1.0, 2.0, 3.0, 4.0], "b": [5.0, 6.0, 7.0, 8.0],
    ...             "c": [9.0, 10.0, 11.0, 12.0]})
    >>> round(g.h, 3), round(g.eta_squared, 3), g.conclusive, g.groups[0].mean
    (9.846, 0.872, True, <Quantity(2.5, 'joule')>)
    """
    stats = _scipy_stats()
    if not isinstance(samples, Mapping) or len(samples) < 2:
        raise InvalidValueError("samples", samples, "a mapping of at least 2 group names to "
                                "their values")
    if not 0.0 < level < 1.0:
        raise InvalidValueError("level", level, "a confidence level in (0, 1), e.g. 0.95")
    arrays: dict[str, np.ndarray] = {}
    for name, values in samples.items():
        vals = [v if isinstance(v, numbers.Real) else
                magnitude(v, unit, f"samples[{name!r}]", allow_negative=True) for v in values]
        arrays[str(name)] = _values(f"samples[{name!r}]", vals, least=1)
    every = np.concatenate(list(arrays.values()))
    if np.ptp(every) == 0:
        raise InvalidValueError("samples", samples, "values that are not all equal "
                                "(Kruskal-Wallis H is undefined when every value ties)")
    k, n = len(arrays), int(every.size)
    if n <= k:
        raise InvalidValueError("samples", samples, f"more values ({n}) than groups ({k})")
    res = stats.kruskal(*arrays.values())
    h, p = float(res.statistic), float(res.pvalue)
    out = []
    for name, x in arrays.items():
        w, sp, note = _shapiro(x)
        spread = cv(x) if x.size >= 2 and x.mean() > 0 else None
        out.append(GroupStats(name, int(x.size), quantity(float(x.mean()), unit),
                              quantity(float(np.median(x)), unit), spread, w, sp, note))
    return GroupComparison(
        groups=tuple(out), h=h, p_value=p, eta_squared=eta_squared_h(h, k, n), level=level,
        conclusive=p < 1.0 - level,
        samples={name: tuple(quantity(float(v), unit) for v in x) for name, x in arrays.items()})
