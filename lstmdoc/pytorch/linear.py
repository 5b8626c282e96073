"""Rules for ``torch.nn``'s linear modules: Linear and Bilinear.

Read off ``torch/nn/modules/linear.py``. A ``Linear`` is Keras' ``Dense``,
transposed: it counts by the ``torch-linear`` family, whose formula is the Dense's.
"""

from __future__ import annotations

from collections.abc import Mapping

from lstmdoc.counting import breakdown
from lstmdoc.pytorch.rule import Config, Found, Shape, TorchRule, derivation, flag, size, weights
from lstmdoc.report.rules import Derivation

__all__ = ["MODULE_RULES"]

_SOURCE = "torch/nn/modules/linear.py"


def _linear(config: Config) -> Derivation:
    return derivation(
        breakdown(
            "torch-linear",
            in_features=size(config, "in_features"),
            out_features=size(config, "out_features"),
            bias=flag(config, "bias"),
        )
    )


def _bilinear(config: Config) -> Derivation:
    first, second = size(config, "in1_features"), size(config, "in2_features")
    outputs, bias = size(config, "out_features"), flag(config, "bias")
    named = [("weight", (outputs, first, second))] + ([("bias", (outputs,))] if bias else [])
    formula = f"{outputs} × ({first} × {second} + 1)" if bias else f"{outputs} × {first} × {second}"
    return Derivation(weights(*named), formula)


def recognise_linear(tensors: Mapping[str, Shape], children: frozenset[str]) -> Found | None:
    """A 2-D ``weight`` and its ``bias``, or the weight alone: ``Linear(in_features, out_features)``.

    A lone weight matrix is an ``Embedding``'s too: the module's name chooses
    (:data:`lstmdoc.pytorch.sparse.EMBEDDING_NAMES`), and the note says both.
    """
    weight = tensors.get("weight")
    if children or weight is None or len(weight) != 2 or not {"weight"} <= set(tensors):
        return None
    if not set(tensors) <= {"weight", "bias"}:
        return None
    rows, columns = weight
    bias = "bias" in tensors
    config = {"in_features": columns, "out_features": rows, "bias": bias}
    note = (
        None
        if bias
        else (
            f"a lone weight matrix is a Linear({columns}, {rows}, bias=False) or an "
            f"Embedding({rows}, {columns}): both count {rows} × {columns}, and the module's "
            "name chooses"
        )
    )
    call = f"Linear({columns}, {rows}" + ("" if bias else ", bias=False") + ")"
    return Found("Linear", "linear", config, call, note)


_LINEAR_READS = ("in_features", "out_features", "bias?")

MODULE_RULES = {
    "Linear": TorchRule(_LINEAR_READS, _linear, f"{_SOURCE}, Linear.__init__", recognise_linear),
    # MultiheadAttention's out_proj: a Linear under another name.
    "NonDynamicallyQuantizableLinear": TorchRule(
        _LINEAR_READS, _linear, f"{_SOURCE}, Linear.__init__"
    ),
    "Bilinear": TorchRule(
        ("in1_features", "in2_features", "out_features", "bias?"),
        _bilinear,
        f"{_SOURCE}, Bilinear.__init__",
    ),
}
"""The rules of ``torch.nn``'s linear modules, by class name."""
