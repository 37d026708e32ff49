"""Per-token figures of served requests: J and gCO2e per 1,000 tokens, prefill and decode apart.

From the frame of :func:`carbon.attribute_serving` (``.requests``) and, optionally, what
:func:`carbon.request_carbon` made of it (same index). Energy per 1,000 tokens:

    prefill  = 1000 * sum_j prefill_j / sum_j p_j        [J per 1k prompt tokens]
    decode   = 1000 * sum_j decode_j  / sum_j d_j        [J per 1k generated tokens]
    total    = 1000 * sum_j energy_j  / sum_j (p_j + d_j) [J per 1k tokens, idle included]

ASC^e of request j is split the same way: its energy-proportional part (JSC = E * PUE * CI) in
proportion to prefill_j, decode_j and idle_j over energy_j; its time-proportional parts
(embodied, platform, products, retraining) in proportion to its device time before its first
token (``prefill_time``), its charged idle time (``idle_time``) and the rest (decode), each
over its device time (``duration``), so

    asc_e_j = prefill_g_j + decode_g_j + idle_g_j.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from carbon._errors import DataError

__all__ = ["TOKEN_COLUMNS", "serving_carbon_split", "serving_per_token"]

#: The per-token columns of :func:`serving_per_token` (the carbon ones only with carbon).
TOKEN_COLUMNS = ("energy_per_1k_tokens [J]", "prefill_energy_per_1k_prompt_tokens [J]",
                 "decode_energy_per_1k_completion_tokens [J]", "idle_energy_per_1k_tokens [J]",
                 "asc_e_per_1k_tokens [gCO2e]", "prefill_asc_e_per_1k_prompt_tokens [gCO2e]",
                 "decode_asc_e_per_1k_completion_tokens [gCO2e]",
                 "idle_asc_e_per_1k_tokens [gCO2e]")
_SUMS = ("prompt_tokens", "completion_tokens", "energy [J]", "prefill_energy [J]",
         "decode_energy [J]", "idle_energy [J]")
_G = ("asc_e [gCO2e]", "prefill [gCO2e]", "decode [gCO2e]", "idle [gCO2e]")


def _ratio(a: np.ndarray, b: np.ndarray, empty: float = np.nan) -> np.ndarray:
    """a / b, ``empty`` where b is 0 (a figure per token of no token is unknown: NaN)."""
    out: np.ndarray = np.divide(a, b, out=np.full(np.shape(a), empty, dtype=np.float64),
                                where=b > 0)
    return out


def serving_carbon_split(requests: pd.DataFrame, carbon: pd.DataFrame) -> pd.DataFrame:
    """ASC^e of each served request split into prefill, decode and idle [gCO2e].

    ``requests``: :func:`carbon.attribute_serving`'s frame; ``carbon``: what
    :func:`carbon.request_carbon` returned for it (the same index).
    """
    if not carbon.index.equals(requests.index):
        raise DataError("carbon", "a frame on another index",
                        "request_carbon(attribution.requests, tables) (same index)")
    e = requests["energy [J]"].to_numpy(dtype=np.float64)
    jsc = carbon["jsc [gCO2e]"].to_numpy(dtype=np.float64)
    rest = carbon["asc_e [gCO2e]"].to_numpy(dtype=np.float64) - jsc
    dur = requests["duration [s]"].to_numpy(dtype=np.float64)
    t_pre = _ratio(requests["prefill_time [s]"].to_numpy(dtype=np.float64), dur, 0.5)
    t_idle = _ratio(requests["idle_time [s]"].to_numpy(dtype=np.float64), dur, 0.0)
    part = {c: _ratio(requests[f"{c}_energy [J]"].to_numpy(dtype=np.float64), e, 0.0)
            for c in ("prefill", "decode", "idle")}
    return pd.DataFrame({
        "asc_e [gCO2e]": jsc + rest,
        "prefill [gCO2e]": jsc * part["prefill"] + rest * t_pre,
        "decode [gCO2e]": jsc * part["decode"] + rest * (1.0 - t_pre - t_idle),
        "idle [gCO2e]": jsc * part["idle"] + rest * t_idle}, index=requests.index)


def serving_per_token(requests: pd.DataFrame, carbon: pd.DataFrame | None = None, *,
                      by: str | None = None) -> pd.DataFrame:
    """Sums and per-1,000-token figures (:data:`TOKEN_COLUMNS`), overall or per ``by``.

    ``by``: None (one row, ``all``), or a column of ``requests`` such as ``model`` or
    ``batch_size``. The carbon columns need ``carbon`` (:func:`carbon.request_carbon` of the
    same frame).

    >>> req = pd.DataFrame({"prompt_tokens": [100, 300], "completion_tokens": [50, 50],
    ...     "energy [J]": [40.0, 60.0], "prefill_energy [J]": [10.0, 30.0],
    ...     "decode_energy [J]": [25.0, 25.0], "idle_energy [J]": [5.0, 5.0]})
    >>> t = serving_per_token(req)
    >>> [float(t[c].iloc[0]) for c in ("energy_per_1k_tokens [J]",
    ...     "prefill_energy_per_1k_prompt_tokens [J]",
    ...     "decode_energy_per_1k_completion_tokens [J]")]
    [200.0, 100.0, 500.0]
    """
    cols = dict.fromkeys(_SUMS)
    frame = requests[list(cols)].astype(np.float64)
    if carbon is not None:
        frame = frame.join(serving_carbon_split(requests, carbon))
    if by is None:
        key = pd.Series("all", index=requests.index, name="group")
    else:
        if by not in requests.columns:
            raise DataError("by", by, f"a column of the requests frame ({list(requests)})")
        key = requests[by].astype(str) if by != "batch_size" else requests[by]
    sums = frame.groupby(key.to_numpy(), sort=True).sum()
    sums.index.name = by or "group"
    sums.insert(0, "requests", key.groupby(key.to_numpy()).size().reindex(sums.index)
                .to_numpy())
    p = sums["prompt_tokens"].to_numpy()
    d = sums["completion_tokens"].to_numpy()
    sums["energy_per_1k_tokens [J]"] = 1000 * _ratio(sums["energy [J]"].to_numpy(), p + d)
    sums["prefill_energy_per_1k_prompt_tokens [J]"] = 1000 * _ratio(
        sums["prefill_energy [J]"].to_numpy(), p)
    sums["decode_energy_per_1k_completion_tokens [J]"] = 1000 * _ratio(
        sums["decode_energy [J]"].to_numpy(), d)
    sums["idle_energy_per_1k_tokens [J]"] = 1000 * _ratio(sums["idle_energy [J]"].to_numpy(),
                                                          p + d)
    if carbon is not None:
        sums["asc_e_per_1k_tokens [gCO2e]"] = 1000 * _ratio(sums["asc_e [gCO2e]"].to_numpy(),
                                                            p + d)
        sums["prefill_asc_e_per_1k_prompt_tokens [gCO2e]"] = 1000 * _ratio(
            sums["prefill [gCO2e]"].to_numpy(), p)
        sums["decode_asc_e_per_1k_completion_tokens [gCO2e]"] = 1000 * _ratio(
            sums["decode [gCO2e]"].to_numpy(), d)
        sums["idle_asc_e_per_1k_tokens [gCO2e]"] = 1000 * _ratio(
            sums["idle [gCO2e]"].to_numpy(), p + d)
    return sums
