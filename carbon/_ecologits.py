"""The EcoLogits estimate of an LLM's GPU energy per generated token, for batches nobody measured.

EcoLogits (GenAI Impact) models the GPU energy of one generated (output) token as a function of
the model's active parameters and the serving batch size, fitted to the ML.ENERGY leaderboard
(vLLM on NVIDIA H100, Chung et al. 2025):

    e_GPU(P, B) = alpha * exp(beta * B) * P + gamma        [Wh per output token, per GPU]

    alpha = 1.1665273170451914e-6  [Wh / (token * 1e9 parameters)]
    beta  = -0.011205921025579175  [1 / request]     (B: requests served at once)
    gamma = 4.052928146734005e-5   [Wh / token]

What it covers: the energy of *one GPU*, for the whole request divided by its output tokens
(the benchmark measured whole requests, so prefill is inside the fit; there is no separate
per-prompt-token term). EcoLogits adds, apart from this term, the server without its GPUs
(1.2 kW over 8 GPUs for the generation latency, divided by B), the number of GPUs the weights
need, and the data-centre PUE (1.2). modelcarbon adds none of those here: PUE comes from the
devices table when :func:`carbon.request_carbon` charges the energy, and the number of GPUs is
an explicit input (``gpus``, default 1: a lower bound for a model that spans several GPUs).
EcoLogits fixes B = 64 for an API it cannot see; a serving log knows each batch's size, and
:func:`carbon.attribute_serving` passes it.

Error: the estimate is reported to run 36-45 % above measured values for 8B-70B models (a
comparison with ML.ENERGY measurements quoted in this project's requirements). That figure was
not found in EcoLogits' own documentation and is unverified here; it travels with every
estimate (:data:`ECOLOGITS_ERROR`), labelled as quoted.

References
----------
[1] S. Rincé and A. Banse, "EcoLogits: Evaluating the Environmental Impacts of Generative AI",
    Journal of Open Source Software 10(111), 7471, 2025. doi:10.21105/joss.07471
[2] EcoLogits methodology, "Environmental Impacts of LLM Inference",
    https://ecologits.ai/latest/methodology/llm_inference/ ; constants from
    ``ecologits/impacts/llm.py`` (GPU_ENERGY_ALPHA, _BETA, _GAMMA, BATCH_SIZE = 64),
    https://github.com/genai-impact/ecologits
[3] J.-W. Chung et al., "The ML.ENERGY Benchmark: Toward Automated Inference Energy
    Measurement and Optimization", 2025. arXiv:2505.06371
"""

from __future__ import annotations

from typing import Any

import numpy as np

from carbon._errors import InvalidValueError
from carbon._units import Q_

__all__ = [
    "ECOLOGITS_ALPHA",
    "ECOLOGITS_BATCH_SIZE",
    "ECOLOGITS_BETA",
    "ECOLOGITS_ERROR",
    "ECOLOGITS_GAMMA",
    "ECOLOGITS_SOURCE",
    "ecologits_energy_per_token",
]

#: [Wh / (output token * 1e9 active parameters)], EcoLogits GPU_ENERGY_ALPHA [2].
ECOLOGITS_ALPHA = 1.1665273170451914e-06
#: [1 / request], EcoLogits GPU_ENERGY_BETA [2].
ECOLOGITS_BETA = -0.011205921025579175
#: [Wh / output token], EcoLogits GPU_ENERGY_GAMMA [2].
ECOLOGITS_GAMMA = 4.052928146734005e-05
#: [requests], the batch size EcoLogits assumes when it cannot see the server [2].
ECOLOGITS_BATCH_SIZE = 64
#: Where an estimated figure comes from (carried in ``energy_source``).
ECOLOGITS_SOURCE = ("EcoLogits GPU energy per output token (Rincé & Banse 2025, "
                    "doi:10.21105/joss.07471; fitted to ML.ENERGY, H100/vLLM), 1 GPU unless "
                    "given, no PUE")
#: Its reported error, as quoted, unverified (carried in ``energy_error``).
ECOLOGITS_ERROR = "reported 36-45 % above measured values for 8B-70B models (quoted, unverified)"

_J_PER_WH = float(Q_(1.0, "Wh").m_as("J"))


def ecologits_energy_per_token(active_parameters: Any,
                               batch_size: Any = ECOLOGITS_BATCH_SIZE) -> Any:
    """GPU energy of one generated token, EcoLogits' fit [J quantity], vectorised.

        e_GPU(P, B) = alpha * exp(beta * B) * P + gamma   [Wh per output token, per GPU]

    Parameters
    ----------
    active_parameters : float or array
        Active parameters of the model ``P`` [1e9 parameters] (a dense model: all of them; a
        mixture of experts: those of the active experts).
    batch_size : float or array
        Requests served at once ``B`` [requests], default 64 as EcoLogits assumes.

    Returns the energy in joules (a pint quantity, array-valued for array inputs). The
    reference value: P = 132, B = 64 gives 1.1569e-4 Wh per token, so 10,000 tokens take
    1.1569191456103042e-3 kWh on one GPU, EcoLogits' own ``gpu_energy`` for those inputs.

    >>> e = ecologits_energy_per_token(132.0, 64)
    >>> round(float(e.m_as("Wh")) * 10_000 / 1000, 12)
    0.001156919146
    >>> ecologits_energy_per_token(-1.0)
    Traceback (most recent call last):
    ...
    carbon._errors.InvalidValueError: active_parameters=-1.0 is invalid: expected ...
    """
    p = np.asarray(active_parameters, dtype=np.float64)
    b = np.asarray(batch_size, dtype=np.float64)
    if not np.isfinite(p).all() or (p < 0).any():
        raise InvalidValueError("active_parameters", active_parameters,
                                "finite numbers >= 0 of active parameters, in billions")
    if not np.isfinite(b).all() or (b < 1).any():
        raise InvalidValueError("batch_size", batch_size, "finite numbers >= 1 of requests")
    wh = ECOLOGITS_ALPHA * np.exp(ECOLOGITS_BETA * b) * p + ECOLOGITS_GAMMA
    j = wh * _J_PER_WH
    return Q_(float(j) if np.ndim(j) == 0 else j, "J")
