"""compress: pruning, quantisation, distillation and mini-batch dropping as measured jobs.

Each technique is a function over a PyTorch model that returns a new model (the input is never
modified); the measured variants run it as a job with ``measure``, record the child model in a
``lineage.ProvenanceGraph`` with its typed edge, and return a :class:`CompressionResult` with
before/after quality, size, latency and energy per request. torch is imported lazily:
``import compress`` works without it.

>>> from compress import mlp, prune_structured
>>> prune_structured(mlp((64, 40, 10)), 0.5)[0].out_features
20
"""

from compress._digits import DigitsSplit, digits_split, digits_teacher, mlp
from compress._distil import (
    check_student,
    distil_classifier,
    distil_embeddings,
    distillation_loss,
)
from compress._errors import MissingExtraError, MissingLayersError, ShapeMismatchError
from compress._evaluate import accuracy, latency_per_request, predict
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
from compress._prune import (
    prunable_layers,
    prune_magnitude,
    prune_structured,
    shrinkable_pairs,
    sparsity,
)
from compress._quantise import cast, int8_backend, quantise_int8
from compress._result import CompressionResult
from compress._serialise import from_bytes, serialised_size, to_bytes
from compress._torch import require_torch
from compress._train import TrainingRun, train_classifier

__all__ = [
    "MINILM_TEACHER",
    "Compressed",
    "CompressionResult",
    "DigitsSplit",
    "Evaluation",
    "Figures",
    "JobSetting",
    "MiniLMData",
    "MissingExtraError",
    "MissingLayersError",
    "ShapeMismatchError",
    "Suite",
    "TrainingRun",
    "accuracy",
    "cast",
    "check_student",
    "digits_split",
    "digits_teacher",
    "distil",
    "distil_classifier",
    "distil_embeddings",
    "distillation_loss",
    "drop_batches",
    "from_bytes",
    "int8_backend",
    "latency_per_request",
    "load_minilm",
    "measure_model",
    "measured_call",
    "minilm_available",
    "minilm_path",
    "mlp",
    "predict",
    "prunable_layers",
    "prune",
    "prune_magnitude",
    "prune_structured",
    "quantise",
    "quantise_int8",
    "require_torch",
    "results_table",
    "run_all",
    "run_minilm",
    "sentences",
    "serialised_size",
    "shrinkable_pairs",
    "sparsity",
    "to_bytes",
    "tokenise",
    "train_classifier",
]
