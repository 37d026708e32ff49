"""Magnitude pruning: L1 unstructured (per layer or global) and structured (neurons/channels).

Unstructured pruning zeroes the weights of smallest absolute value (L1 magnitude [1]) and
makes the masks permanent (``torch.nn.utils.prune.remove``): the result is a plain model whose
weight tensors hold zeros. Those zeros make the model smaller only when stored sparse
(:func:`compress.serialised_size` does so) and do not make dense CPU kernels faster.

Structured pruning removes whole neurons (rows of a Linear layer) or channels (output
channels of a convolution) with the smallest L1 norm, together with the matching input
columns of the layer that consumes them, so the model is physically smaller and faster [2].

References
----------
[1] Han, Pool, Tran, Dally (2015). Learning both weights and connections for efficient
    neural networks. NeurIPS. arXiv:1506.02626.
[2] Li, Kadav, Durdanovic, Samet, Graf (2017). Pruning filters for efficient ConvNets.
    ICLR. arXiv:1608.08710.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from compress._checks import half_open_fraction
from compress._errors import MissingLayersError
from compress._torch import clone, require_torch

if TYPE_CHECKING:
    import torch

__all__ = ["prunable_layers", "prune_magnitude", "prune_structured", "shrinkable_pairs",
           "sparsity"]

_ELEMENTWISE = ("ReLU", "GELU", "Tanh", "Sigmoid", "SiLU", "LeakyReLU", "ELU", "Dropout",
                "Identity", "Hardtanh", "Mish", "Softplus")


def _weight_types() -> tuple[type, ...]:
    nn = require_torch().nn
    return (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def prunable_layers(model: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """The (name, module) pairs whose ``weight`` pruning applies to: Linear and Conv layers.

    >>> from compress import mlp
    >>> [name for name, _ in prunable_layers(mlp((4, 3, 2)))]
    ['0', '2']
    """
    types = _weight_types()
    return [(n, m) for n, m in model.named_modules()
            if type(m) in types and isinstance(getattr(m, "weight", None), require_torch().Tensor)]


def _require_layers(model: torch.nn.Module, technique: str) -> list[tuple[str, Any]]:
    layers = prunable_layers(model)
    if not layers:
        raise MissingLayersError(
            "model", type(model).__name__,
            f"a model with torch.nn.Linear or Conv1d/2d/3d layers for {technique} "
            "(this one has none)",
        )
    return layers


def sparsity(model: torch.nn.Module) -> float:
    """Fraction of zero weights over the prunable layers' weights (in [0, 1]).

    >>> from compress import mlp
    >>> sparsity(prune_magnitude(mlp((64, 100, 10)), 0.5))
    0.5
    """
    layers = _require_layers(model, "measuring sparsity")
    zeros = sum(int((m.weight == 0).sum()) for _, m in layers)
    total = sum(m.weight.numel() for _, m in layers)
    return float(zeros / total)


def prune_magnitude(
    model: torch.nn.Module,
    sparsity: float,
    *,
    scope: Literal["layer", "global"] = "layer",
) -> torch.nn.Module:
    """L1 unstructured pruning: a copy with the ``sparsity`` smallest-magnitude weights zeroed.

    ``scope="layer"`` removes that fraction from every Linear/Conv layer; ``"global"`` ranks all
    those weights together and removes that fraction overall (layers lose different shares).
    ``sparsity`` in [0, 1). Masks are made permanent; biases are kept. [1]

    >>> from compress import mlp
    >>> m = prune_magnitude(mlp((64, 100, 10)), 0.75, scope="global")
    >>> round(sparsity(m), 2)
    0.75
    """
    amount = half_open_fraction(sparsity, "sparsity", "of weights to remove")
    if scope not in ("layer", "global"):
        from carbon import InvalidValueError

        raise InvalidValueError("scope", scope, "'layer' or 'global'")
    model = clone(model)
    layers = _require_layers(model, "magnitude pruning")
    import torch.nn.utils.prune as prune
    if scope == "global":
        prune.global_unstructured([(m, "weight") for _, m in layers],
                                  pruning_method=prune.L1Unstructured, amount=amount)
    else:
        for _, m in layers:
            prune.l1_unstructured(m, "weight", amount=amount)  # type: ignore[no-untyped-call]
    for _, m in layers:
        prune.remove(m, "weight")  # type: ignore[no-untyped-call]
    return model


def shrinkable_pairs(model: torch.nn.Module) -> list[tuple[str, str]]:
    """(producer, consumer) layer names whose hidden units structured pruning can remove.

    Found in ``nn.Sequential`` chains ``Linear -> elementwise... -> Linear`` (and the same for
    ungrouped convolutions of one kind), and in BERT-style feed-forward blocks
    (``intermediate.dense`` -> ``output.dense``). The last layer's outputs are the model's
    outputs and are never removed.

    >>> from compress import mlp
    >>> shrinkable_pairs(mlp((64, 32, 16, 10)))
    [('0', '2'), ('2', '4')]
    """
    nn = require_torch().nn
    types = _weight_types()
    pairs: list[tuple[str, str]] = []
    for name, mod in model.named_modules():
        prefix = f"{name}." if name else ""
        if isinstance(mod, nn.Sequential):
            kids = list(mod.named_children())
            for i, (a, first) in enumerate(kids):
                if type(first) not in types or getattr(first, "groups", 1) != 1:
                    continue
                j = i + 1
                while j < len(kids) and type(kids[j][1]).__name__ in _ELEMENTWISE:
                    j += 1
                if j < len(kids) and type(kids[j][1]) is type(first) \
                        and getattr(kids[j][1], "groups", 1) == 1:
                    pairs.append((prefix + a, prefix + kids[j][0]))
        inter = getattr(getattr(mod, "intermediate", None), "dense", None)
        out = getattr(getattr(mod, "output", None), "dense", None)
        if isinstance(inter, nn.Linear) and isinstance(out, nn.Linear) \
                and out.in_features == inter.out_features:
            pairs.append((f"{prefix}intermediate.dense", f"{prefix}output.dense"))
    return pairs


def _replace(model: torch.nn.Module, name: str, new: torch.nn.Module) -> None:
    parent_name, _, attr = name.rpartition(".")
    setattr(model.get_submodule(parent_name) if parent_name else model, attr, new)


def _sliced(layer: Any, keep: torch.Tensor, dim: int) -> Any:
    """A copy of ``layer`` keeping only the output (dim 0) or input (dim 1) units ``keep``."""
    torch = require_torch()
    nn = torch.nn
    w = layer.weight.detach().index_select(dim, keep).clone()
    bias = layer.bias is not None
    if isinstance(layer, nn.Linear):
        new: Any = nn.Linear(w.shape[1], w.shape[0], bias=bias,
                             device=w.device, dtype=w.dtype)
    else:
        new = type(layer)(w.shape[1], w.shape[0], layer.kernel_size, stride=layer.stride,
                          padding=layer.padding, dilation=layer.dilation, bias=bias,
                          padding_mode=layer.padding_mode, device=w.device, dtype=w.dtype)
    with torch.no_grad():
        new.weight.copy_(w)
        if bias:
            b = layer.bias.detach()
            new.bias.copy_(b.index_select(0, keep) if dim == 0 else b)
    return new


def prune_structured(model: torch.nn.Module, amount: float) -> torch.nn.Module:
    """Remove the ``amount`` fraction of hidden neurons/channels of smallest L1 norm. [2]

    For every pair of :func:`shrinkable_pairs`, the producer keeps its
    ``max(1, round((1 - amount) * width))`` output units of largest L1 norm (of their weight
    rows) and the consumer keeps the matching input columns. The model gets physically smaller
    (fewer parameters, fewer multiply-adds); its input and output shapes are unchanged.
    Pairs are processed in order, so a layer that is both a consumer and a producer is ranked
    on the input columns that remain (the removed inputs would contribute nothing).

    >>> from compress import mlp
    >>> prune_structured(mlp((64, 100, 10)), 0.75)
    Sequential(
      (0): Linear(in_features=64, out_features=25, bias=True)
      (1): ReLU()
      (2): Linear(in_features=25, out_features=10, bias=True)
    )
    """
    torch = require_torch()
    a = half_open_fraction(amount, "amount", "of neurons/channels to remove")
    pairs = shrinkable_pairs(model)
    if not pairs:
        raise MissingLayersError(
            "model", type(model).__name__,
            "a model with hidden units to remove: Linear -> activation -> Linear chains in "
            "nn.Sequential, ungrouped Conv chains, or BERT feed-forward blocks",
        )
    model = clone(model)
    for producer_name, consumer_name in pairs:
        producer: Any = model.get_submodule(producer_name)
        consumer: Any = model.get_submodule(consumer_name)
        width = producer.weight.shape[0]
        k = max(1, round((1.0 - a) * width))
        norms = producer.weight.detach().reshape(width, -1).abs().sum(dim=1)
        keep = torch.sort(torch.topk(norms, k, sorted=False).indices).values
        _replace(model, producer_name, _sliced(producer, keep, 0))
        _replace(model, consumer_name, _sliced(consumer, keep, 1))
    return model
