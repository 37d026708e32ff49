"""compress: energy-reduction techniques as measured jobs, and the empirical studies.

Techniques: pruning (magnitude, structured, energy-aware), quantisation (dynamic int8,
half precision, quantisation-aware training), distillation, mini-batch dropping, GPU power
limiting, row and feature reduction (child datasets); hyperparameter search strategies as
measured experiments; the architecture and data-centric studies.

Each technique is a function over a PyTorch model that returns a new model (the input is never
modified); the measured variants run it as a job with ``measure``, record the child model in a
``lineage.ProvenanceGraph`` with its typed edge, and return a :class:`CompressionResult` with
before/after quality, size, latency and energy per request. torch is imported lazily:
``import compress`` works without it.

>>> from compress import mlp, prune_structured
>>> prune_structured(mlp((64, 40, 10)), 0.5)[0].out_features
20
"""

from compress._architecture_study import (
    ArchitectureStudy,
    architecture_net,
    architecture_study,
)
from compress._causal_lm import CAUSAL_LM, CausalLM, WordTokenizer, hf_generate, train_causal_lm
from compress._data import Reduced, reduce_rows, select_features
from compress._data_study import ALGORITHMS, DataStudy, data_study, make_algorithm
from compress._digits import DigitsSplit, digits_split, digits_teacher, mlp
from compress._distil import (
    check_student,
    distil_classifier,
    distil_embeddings,
    distillation_loss,
)
from compress._energy_prune import layer_energy, prune_energy, prune_energy_aware
from compress._errors import MissingExtraError, MissingLayersError, ShapeMismatchError
from compress._evaluate import accuracy, latency_per_request, predict
from compress._factorial import (
    configuration_summary,
    factor_effect,
    study_seed,
    torch_threads,
)
from compress._jobs import (
    Suite,
    distil,
    drop_batches,
    prune,
    quantise,
    results_table,
    run_all,
)
from compress._measured import (
    Compressed,
    Evaluation,
    Figures,
    JobSetting,
    measure_model,
    measured_call,
)
from compress._minilm import (
    MINILM_TEACHER,
    MiniLMData,
    load_minilm,
    minilm_available,
    minilm_path,
    run_minilm,
    sentences,
    tokenise,
)
from compress._power import power_limit
from compress._prune import (
    prunable_layers,
    prune_magnitude,
    prune_structured,
    shrinkable_pairs,
    sparsity,
)
from compress._qat import qat, qat_int8
from compress._quantise import cast, int8_backend, quantise_int8
from compress._result import CompressionResult
from compress._search import (
    SearchRun,
    SearchTrial,
    StrategyComparison,
    compare_strategies,
    search,
    strategies,
)
from compress._serialise import from_bytes, serialised_size, to_bytes
from compress._torch import require_torch
from compress._train import TrainingRun, train_classifier
from compress._trials import ModelComparison, TrialProtocol, compare_models, mean_interval

__all__ = [
    "ALGORITHMS",
    "CAUSAL_LM",
    "MINILM_TEACHER",
    "ArchitectureStudy",
    "CausalLM",
    "Compressed",
    "CompressionResult",
    "DataStudy",
    "DigitsSplit",
    "Evaluation",
    "Figures",
    "JobSetting",
    "MiniLMData",
    "MissingExtraError",
    "MissingLayersError",
    "ModelComparison",
    "Reduced",
    "SearchRun",
    "SearchTrial",
    "ShapeMismatchError",
    "StrategyComparison",
    "Suite",
    "TrainingRun",
    "TrialProtocol",
    "WordTokenizer",
    "accuracy",
    "architecture_net",
    "architecture_study",
    "cast",
    "check_student",
    "compare_models",
    "compare_strategies",
    "configuration_summary",
    "data_study",
    "digits_split",
    "digits_teacher",
    "distil",
    "distil_classifier",
    "distil_embeddings",
    "distillation_loss",
    "drop_batches",
    "factor_effect",
    "from_bytes",
    "hf_generate",
    "int8_backend",
    "latency_per_request",
    "layer_energy",
    "load_minilm",
    "make_algorithm",
    "mean_interval",
    "measure_model",
    "measured_call",
    "minilm_available",
    "minilm_path",
    "mlp",
    "power_limit",
    "predict",
    "prunable_layers",
    "prune",
    "prune_energy",
    "prune_energy_aware",
    "prune_magnitude",
    "prune_structured",
    "qat",
    "qat_int8",
    "quantise",
    "quantise_int8",
    "reduce_rows",
    "require_torch",
    "results_table",
    "run_all",
    "run_minilm",
    "search",
    "select_features",
    "sentences",
    "serialised_size",
    "shrinkable_pairs",
    "sparsity",
    "strategies",
    "study_seed",
    "to_bytes",
    "tokenise",
    "torch_threads",
    "train_causal_lm",
    "train_classifier",
]
