"""Each batch's energy split across its requests; idle energy charged to the requests around it.

The rule (``specs/serving.md`` section 3), for request j of batch b (n_b requests, prompt tokens
p_j, generated tokens d_j, P_b = sum p_j, D_b = sum d_j):

    prefill_j = E_pre,b * p_j / P_b        decode_j = E_dec,b * d_j / D_b

(equal shares where P_b or D_b is 0). ``E_pre,b`` and ``E_dec,b`` are the batch's measured
prefill and decode energies; where the server measured only the total E_b,

    E_pre,b = s_b * E_b,   E_dec,b = (1 - s_b) * E_b,

with s_b = ``prefill_share`` if given, else the batch's prefill *time* share: the span from
the batch's start to its last first token over the batch's span (the default: prefill and
decode drawing the same power, which undercounts prefill a little, since prefill is
compute-bound and draws more; by tokens, P/(P+D), for a batch of zero length). Where nothing
was measured, E_b = sum_j d_j * e_GPU(P_m(j), n_b) * g_m(j) (:func:`ecologits_energy_per_token`,
``g`` GPUs per model), labelled ``estimated`` with its source and published error.

Idle energy I of an idle row on device d is cut at the boundaries of fixed windows
(``idle_window``, default one hour, aligned to the epoch: UTC hours) in proportion to time, and
each piece is charged to the requests whose batch started on d in that window, in proportion
to their batch energy (``idle_split="energy"``, equal shares if that is all 0) or equally
(``"requests"``). A piece with no request in its window is unattributed, never dropped; with
``idle="apart"`` nothing is charged. A batch row with no request is idle energy too. So

    sum_j energy_j + unattributed + apart = sum_b E_b + sum of measured idle energy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from carbon._ecologits import ECOLOGITS_ERROR, ECOLOGITS_SOURCE, ecologits_energy_per_token
from carbon._errors import InvalidValueError, UnknownKeyError
from carbon._serving import ServingLog, read_serving_log
from carbon._units import magnitude
from carbon._utc import utc_ns

__all__ = ["ServingAttribution", "attribute_serving"]

_S = 1e-9  # seconds per nanosecond


@dataclass(frozen=True)
class ServingAttribution:
    """What :func:`attribute_serving` returns.

    ``requests``: one row per request in the request-log schema (``specs/hourly_schema.md``
    section 3: model, start, ``duration [s]``, device, region, ``energy [J]``,
    energy_provenance) plus request, batch, batch_size, prompt_tokens, completion_tokens,
    ``prefill_energy [J]``, ``decode_energy [J]``, ``idle_energy [J]``, ``idle_time [s]``,
    ``prefill_time [s]``, ``latency [s]``, ``ttft [s]``, ``energy_uncertainty [J]``,
    energy_source, energy_error. ``duration [s]`` is device time: the batch's span over its
    n_b requests plus the request's share of charged idle time (so embodied and platform
    shares count the device once); ``prefill_time [s]`` the part of it before the request's
    first token; ``latency`` and ``ttft`` are as the user saw them, from arrival.
    Straight into :func:`carbon.request_carbon`. ``batches``: the energy each batch was
    charged (measured, or estimated) and its split. ``idle``: every idle piece per
    (device, window) with ``status`` charged, unattributed, apart or unmeasured.
    """

    requests: pd.DataFrame
    batches: pd.DataFrame
    idle: pd.DataFrame

    def idle_energy(self, status: str) -> float:
        """Idle energy of one status [J] (NaN rows, unmeasured, are not summed)."""
        i = self.idle
        return float(i.loc[i["status"] == status, "energy [J]"].sum())


def _group(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(codes, weights=values, minlength=n)


def _share(total: np.ndarray, weight: np.ndarray, group_weight: np.ndarray,
           count: np.ndarray, g: np.ndarray) -> np.ndarray:
    """total[g] * weight / group_weight[g], equal shares where the group's weight is 0."""
    gw = group_weight[g]
    by_weight = np.divide(weight, gw, out=np.zeros_like(weight), where=gw > 0)
    equal = 1.0 / np.maximum(count[g], 1)
    out: np.ndarray = total[g] * np.where(gw > 0, by_weight, equal)
    return out


def _estimate(log: ServingLog, need: np.ndarray, b: np.ndarray, size: np.ndarray,
              parameters: Mapping[str, float] | None,
              gpus: Mapping[str, int] | None) -> np.ndarray:
    """EcoLogits energy [J] of each request whose batch has no measured energy (else 0)."""
    req = log.requests
    out = np.zeros(len(req))
    rows = np.flatnonzero(need[b])
    if not len(rows):
        return out
    models = pd.Index(pd.unique(req["model"].to_numpy()[rows]))
    params = dict(parameters or {})
    missing = [str(m) for m in models if m not in params]
    if missing:
        raise UnknownKeyError("parameters", missing[0] if len(missing) == 1 else missing,
                              "the active parameters [1e9] of every model served in a batch "
                              "without measured energy (parameters={'model': 8.0}); EcoLogits' "
                              "estimate needs them")
    p = np.array([float(params[m]) for m in models])
    g = np.array([float((gpus or {}).get(m, 1)) for m in models])
    if (g < 1).any():
        raise InvalidValueError("gpus", dict(gpus or {}), "an integer >= 1 per model")
    code = models.get_indexer(req["model"].to_numpy()[rows])
    per_token = ecologits_energy_per_token(p[code], size[b[rows]]).m_as("J")
    out[rows] = req["completion_tokens"].to_numpy()[rows] * per_token * g[code]
    return out


def _pieces(idle: pd.DataFrame, window_ns: int | None) -> dict[str, np.ndarray]:
    """Idle rows cut at window boundaries, energy split in proportion to time."""
    s, e = utc_ns(idle["start"], "start"), utc_ns(idle["end"], "end")
    n = len(s)
    if window_ns is None:
        first = np.zeros(n, np.int64)
        reps = np.ones(n, np.int64)
    else:
        first = s // window_ns
        reps = np.maximum((e - 1) // window_ns, first) - first + 1
    at = np.repeat(np.arange(n), reps)
    win = first[at] + (np.arange(len(at)) - np.repeat(np.cumsum(reps) - reps, reps))
    if window_ns is None:
        ps, pe = s[at], e[at]
    else:
        ps = np.maximum(s[at], win * window_ns)
        pe = np.minimum(e[at], (win + 1) * window_ns)
    span = (e - s)[at].astype(np.float64)
    frac = np.divide((pe - ps).astype(np.float64), span, out=np.ones(len(at)), where=span > 0)
    return {"at": at, "win": win, "start": ps, "end": pe, "frac": frac,
            "energy": idle["energy [J]"].to_numpy(dtype=np.float64)[at] * frac}


def attribute_serving(log: Any, *, idle: Literal["charge", "apart"] = "charge",
                      idle_window: Any = "1 hour",
                      idle_split: Literal["energy", "requests"] = "energy",
                      prefill_share: float | None = None,
                      parameters: Mapping[str, float] | None = None,
                      gpus: Mapping[str, int] | None = None) -> ServingAttribution:
    """Split each batch's energy across its requests and charge idle energy (module docstring).

    ``log``: a :class:`carbon.ServingLog` or anything :func:`carbon.read_serving_log` reads.
    ``idle_window``: a time (``"1 hour"``, a pint quantity) or None for one window per
    device over the whole log. ``parameters``: active parameters [1e9] per model, needed only
    for batches without measured energy (EcoLogits' estimate); ``gpus``: GPUs per model
    (default 1). Vectorised: group sums by ``np.bincount``, no loop over rows.

    >>> t = pd.Timestamp("2026-03-01T10:00Z")
    >>> req = pd.DataFrame({"request": ["r1", "r2"], "batch": ["b1", "b1"],
    ...     "model": ["m", "m"], "device": ["gpu0", "gpu0"], "region": ["FRA", "FRA"],
    ...     "start": [t, t], "first_token": [t + pd.Timedelta("2s")] * 2,
    ...     "end": [t + pd.Timedelta("10s")] * 2, "prompt_tokens": [100, 300],
    ...     "completion_tokens": [50, 150]})
    >>> bat = pd.DataFrame({"kind": ["batch", "idle"], "batch": ["b1", None],
    ...     "device": ["gpu0", "gpu0"], "start": [t, t + pd.Timedelta("10s")],
    ...     "end": [t + pd.Timedelta("10s"), t + pd.Timedelta("20s")],
    ...     "energy [J]": [1000.0, 100.0]})
    >>> a = attribute_serving((req, bat))
    >>> a.requests[["prefill_energy [J]", "decode_energy [J]", "idle_energy [J]"]].values.tolist()
    [[50.0, 200.0, 25.0], [150.0, 600.0, 75.0]]
    """
    log = read_serving_log(log)
    if idle not in ("charge", "apart"):
        raise InvalidValueError("idle", idle, "'charge' or 'apart'")
    if idle_split not in ("energy", "requests"):
        raise InvalidValueError("idle_split", idle_split, "'energy' or 'requests'")
    if prefill_share is not None and not 0.0 <= prefill_share <= 1.0:
        raise InvalidValueError("prefill_share", prefill_share, "a share in [0, 1], or None "
                                "for the batch's prefill time share")
    window_ns = None if idle_window is None else round(
        float(magnitude(idle_window, "s", "idle_window", scalar=True)) * 1e9)
    if window_ns is not None and window_ns <= 0:
        raise InvalidValueError("idle_window", idle_window, "a time > 0, or None")
    req, bat = log.requests, log.batches
    nb, nr = len(bat), len(req)
    b = pd.Index(bat["batch"]).get_indexer(req["batch"]).astype(np.int64)

    def ns(frame: pd.DataFrame, c: str) -> np.ndarray:
        return utc_ns(frame[c], c)

    r_start, r_first, r_end = ns(req, "start"), ns(req, "first_token"), ns(req, "end")
    b_start, b_end = ns(bat, "start"), ns(bat, "end")
    p_tok = req["prompt_tokens"].to_numpy(dtype=np.float64)
    d_tok = req["completion_tokens"].to_numpy(dtype=np.float64)
    size = np.bincount(b, minlength=nb).astype(np.float64)
    big_p, big_d = _group(b, p_tok, nb), _group(b, d_tok, nb)

    e_b = bat["energy [J]"].to_numpy(dtype=np.float64).copy()
    pre_b = bat["prefill_energy [J]"].to_numpy(dtype=np.float64).copy()
    dec_b = bat["decode_energy [J]"].to_numpy(dtype=np.float64).copy()
    need = np.isnan(e_b) & (size > 0)
    est = _estimate(log, need, b, size, parameters, gpus)
    e_b = np.where(need, _group(b, est, nb), e_b)
    # total only: the prefill share of the batch (given, else its prefill time share)
    last_first = np.full(nb, np.iinfo(np.int64).min)
    np.maximum.at(last_first, b, r_first)
    span = (b_end - b_start).astype(np.float64)
    pre_t = (np.clip(last_first, b_start, b_end) - b_start).astype(np.float64)
    tok = big_p + big_d
    by_tok = np.divide(big_p, tok, out=np.full(nb, 0.5), where=tok > 0)
    share = (np.full(nb, float(prefill_share)) if prefill_share is not None else
             np.divide(pre_t, span, out=by_tok.copy(), where=span > 0))
    split = np.isnan(pre_b)
    pre_b = np.where(split, share * e_b, pre_b)
    dec_b = np.where(split, e_b - pre_b, dec_b)

    pre = _share(pre_b, p_tok, big_p, size, b)
    dec = _share(dec_b, d_tok, big_d, size, b)
    own = pre + dec
    u_b = bat["energy_uncertainty [J]"].to_numpy(dtype=np.float64)
    unc = _share(u_b, own, _group(b, own, nb), size, b)

    # idle rows, and batches no request ran in, as idle pieces per (device, window)
    empty = size == 0
    idle_rows = pd.concat([log.idle[["device", "start", "end", "energy [J]",
                                     "energy_provenance"]],
                           bat.loc[empty, ["device", "start", "end", "energy [J]",
                                           "energy_provenance"]]], ignore_index=True)
    pc = _pieces(idle_rows, window_ns)
    devices = pd.Index(pd.unique(np.concatenate([req["device"].to_numpy(dtype=object),
                                                 idle_rows["device"].to_numpy(dtype=object)])))
    r_win = (b_start[b] // window_ns) if window_ns is not None else np.zeros(nr, np.int64)
    r_dev = devices.get_indexer(req["device"].to_numpy(dtype=object))
    i_dev = devices.get_indexer(idle_rows["device"].to_numpy(dtype=object))[pc["at"]]
    keys = pd.MultiIndex.from_arrays([np.concatenate([r_dev, i_dev]),
                                      np.concatenate([r_win, pc["win"]])])
    gid, _ = pd.factorize(keys)
    g_r, g_i = gid[:nr], gid[nr:]
    ng = int(gid.max()) + 1 if len(gid) else 0
    count = np.bincount(g_r, minlength=ng)
    measured = ~np.isnan(pc["energy"])
    i_e = np.where(measured, pc["energy"], 0.0)
    i_t = (pc["end"] - pc["start"]).astype(np.float64) * _S
    status = np.where(~measured, "unmeasured", np.where(
        idle == "apart", "apart", np.where(count[g_i] > 0, "charged", "unattributed")))
    if idle == "charge":
        weight = own if idle_split == "energy" else np.ones(nr)
        gw = _group(g_r, weight, ng)
        idle_e = _share(_group(g_i, i_e, ng), weight, gw, count, g_r)
        idle_t = _share(_group(g_i, np.where(measured, i_t, 0.0), ng), weight, gw, count, g_r)
    else:
        idle_e, idle_t = np.zeros(nr), np.zeros(nr)

    prov_b = np.asarray(bat["energy_provenance"].to_numpy(dtype=object))
    prov_b = np.where(need, "estimated", np.where(pd.isna(prov_b), "reported", prov_b))
    rule = np.where(need, f"estimated: {ECOLOGITS_SOURCE}", np.where(
        split, "batch total, prefill share " + ("given" if prefill_share is not None
                                                else "by time"),
        "batch prefill and decode"))
    src_b = np.char.add(np.char.add(f"{log.sources.get('batches', log.source)}: ",
                                    rule.astype(str)), "; split by tokens")
    err_b = np.where(need, ECOLOGITS_ERROR, "")
    latency = (r_end - r_start) * _S
    per = np.maximum(size[b], 1)
    device_t = span[b] * _S / per  # the batch's span shared by its requests: counted once
    prefill_t = (np.clip(r_first, b_start[b], b_end[b]) - b_start[b]) * _S / per
    requests = pd.DataFrame({
        "request": req["request"], "batch": req["batch"], "batch_size": size[b].astype(np.int64),
        "model": req["model"], "device": req["device"], "region": req["region"],
        "start": req["start"],
        "duration [s]": device_t + idle_t, "prefill_time [s]": prefill_t,
        "latency [s]": latency, "ttft [s]": (r_first - r_start) * _S,
        "prompt_tokens": req["prompt_tokens"], "completion_tokens": req["completion_tokens"],
        "prefill_energy [J]": pre, "decode_energy [J]": dec, "idle_energy [J]": idle_e,
        "idle_time [s]": idle_t, "energy [J]": own + idle_e,
        "energy_provenance": pd.Categorical(prov_b[b]),
        "energy_uncertainty [J]": unc,
        "energy_source": pd.Categorical(src_b[b]),
        "energy_error": pd.Categorical(err_b[b]),
    })
    batches = pd.DataFrame({
        "batch": bat["batch"], "device": bat["device"], "start": bat["start"],
        "end": bat["end"], "batch_size": size.astype(np.int64), "energy [J]": e_b,
        "prefill_energy [J]": pre_b, "decode_energy [J]": dec_b,
        "energy_provenance": prov_b, "energy_source": src_b, "energy_error": err_b,
        "status": np.where(empty, "idle (no request)", "attributed")})
    idle_out = pd.DataFrame({
        "device": idle_rows["device"].to_numpy(dtype=object)[pc["at"]],
        "window_start": (pd.DatetimeIndex(pc["win"] * window_ns, tz="UTC") if window_ns
                         else pd.DatetimeIndex(np.full(len(pc["at"]), pd.NaT), tz="UTC")),
        "start": pd.DatetimeIndex(pc["start"], tz="UTC"),
        "end": pd.DatetimeIndex(pc["end"], tz="UTC"), "energy [J]": pc["energy"],
        "energy_provenance": idle_rows["energy_provenance"].to_numpy(dtype=object)[pc["at"]],
        "status": status})
    return ServingAttribution(requests, batches, idle_out)
