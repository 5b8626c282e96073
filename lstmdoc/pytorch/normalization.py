"""Rules for ``torch.nn``'s LayerNorm, RMSNorm and GroupNorm.

Read off ``torch/nn/modules/normalization.py``. ``LayerNorm`` counts by the
``torch-layer-norm`` family; the others write the same formula for a learned scale
and shift (:func:`lstmdoc.counting.formulas.affine`) as Keras' layers do.
"""

from __future__ import annotations

from lstmdoc.counting import breakdown, formulas
from lstmdoc.pytorch.rule import Config, TorchRule, derivation, flag, size, sizes, weights
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


MODULE_RULES = {
    "LayerNorm": TorchRule(
        ("normalized_shape", "elementwise_affine", "bias?"),
        _layer_norm,
        f"{_SOURCE}, LayerNorm.__init__",
    ),
    "RMSNorm": TorchRule(
        ("normalized_shape", "elementwise_affine"), _rms_norm, f"{_SOURCE}, RMSNorm.__init__"
    ),
    "GroupNorm": TorchRule(
        ("num_channels", "affine", "bias?"), _group_norm, f"{_SOURCE}, GroupNorm.__init__"
    ),
}
"""The rules of ``torch.nn``'s LayerNorm, RMSNorm and GroupNorm, by class name."""
