"""Rules for ``torch.nn``'s LayerNorm, RMSNorm and GroupNorm.

Read off ``torch/nn/modules/normalization.py``. ``LayerNorm`` counts by the
``torch-layer-norm`` family; the others write the same formula for a learned scale
and shift (:func:`lstmdoc.counting.formulas.affine`) as Keras' layers do.
"""

from __future__ import annotations

from collections.abc import Mapping

from lstmdoc.counting import breakdown, formulas
from lstmdoc.pytorch.rule import (
    Config,
    Found,
    Shape,
    TorchRule,
    derivation,
    flag,
    size,
    sizes,
    weights,
)
from lstmdoc.report.rules import Derivation

__all__ = ["MODULE_RULES"]

_SOURCE = "torch/nn/modules/normalization.py"


def _layer_norm(config: Config) -> Derivation:
    return derivation(
        breakdown(
            "torch-layer-norm",
            normalized_shape=list(sizes(config, "normalized_shape")),
            elementwise_affine=flag(config, "elementwise_affine"),
            bias=flag(config, "bias"),
        )
    )


def _rms_norm(config: Config) -> Derivation:
    shape = sizes(config, "normalized_shape")
    names = ["weight"] if flag(config, "elementwise_affine") else []
    return Derivation(
        weights(*((name, shape) for name in names)), formulas.affine(len(names), shape)
    )


def _group_norm(config: Config) -> Derivation:
    channels = size(config, "num_channels")
    names = ["weight"] if flag(config, "affine") else []
    names += ["bias"] if flag(config, "bias") else []
    return Derivation(
        weights(*((name, (channels,)) for name in names)), formulas.affine(len(names), (channels,))
    )


def recognise_layer_norm(tensors: Mapping[str, Shape], children: frozenset[str]) -> Found | None:
    """A ``weight`` and a ``bias`` of one shape: ``LayerNorm(normalized_shape)``.

    A ``GroupNorm``, or a ``BatchNorm`` without running statistics, stores the same
    two vectors and counts the same.
    """
    weight = tensors.get("weight")
    if children or set(tensors) != {"weight", "bias"} or weight is None:
        return None
    if tensors["bias"] != weight or not weight:
        return None
    shape = weight[0] if len(weight) == 1 else weight
    config = {"normalized_shape": weight, "elementwise_affine": True, "bias": True}
    note = (
        "a GroupNorm, or a BatchNorm without running statistics, stores the same weight "
        "and bias and counts the same"
    )
    return Found("LayerNorm", "normalization", config, f"LayerNorm({shape})", note)


def recognise_group_norm(tensors: Mapping[str, Shape], children: frozenset[str]) -> Found | None:
    """A ``weight`` and a ``bias`` of one channel count, in a module named as a group norm."""
    weight = tensors.get("weight")
    if children or set(tensors) != {"weight", "bias"} or weight is None or len(weight) != 1:
        return None
    if tensors["bias"] != weight:
        return None
    config = {"num_channels": weight[0], "affine": True, "bias": True}
    note = "num_groups is not stored in a state_dict, and does not change the count"
    call = f"GroupNorm(num_groups, {weight[0]})"
    return Found("GroupNorm", "normalization", config, call, note, r"(^|_)gn|group")


def recognise_rms_norm(tensors: Mapping[str, Shape], children: frozenset[str]) -> Found | None:
    """A lone 1-D ``weight``: ``RMSNorm``, or a ``LayerNorm`` without bias, which count alike."""
    weight = tensors.get("weight")
    if children or set(tensors) != {"weight"} or weight is None or len(weight) != 1:
        return None
    config = {"normalized_shape": weight, "elementwise_affine": True}
    note = f"a lone scale vector is an RMSNorm({weight[0]}) or a LayerNorm({weight[0]}, bias=False): both count {weight[0]}"
    return Found("RMSNorm", "normalization", config, f"RMSNorm({weight[0]})", note)


MODULE_RULES = {
    "LayerNorm": TorchRule(
        ("normalized_shape", "elementwise_affine", "bias?"),
        _layer_norm,
        f"{_SOURCE}, LayerNorm.__init__",
        recognise_layer_norm,
    ),
    "RMSNorm": TorchRule(
        ("normalized_shape", "elementwise_affine"),
        _rms_norm,
        f"{_SOURCE}, RMSNorm.__init__",
        recognise_rms_norm,
    ),
    "GroupNorm": TorchRule(
        ("num_channels", "affine", "bias?"),
        _group_norm,
        f"{_SOURCE}, GroupNorm.__init__",
        recognise_group_norm,
    ),
}
"""The rules of ``torch.nn``'s LayerNorm, RMSNorm and GroupNorm, by class name."""
