"""Rules for modules of the libraries most PyTorch models are built from: transformers and timm.

These classes are not ``torch.nn``'s, but they keep the arguments that size their
parameters, as ``torch.nn``'s do, so their counts are derived the same way. Each rule
was read off the class's ``__init__`` in the release the zoo builds (transformers 5.25,
timm 1.0.31); a class is matched by its module and name, so a user's class of the same
name is not taken for it. A class that keeps no record of its sizes (timm's
``LayerScale`` keeps only ``init_values``, transformers' ``LlamaRMSNorm`` only its
epsilon) has no rule: its parameters are shown from their shapes, as declared.
"""

from __future__ import annotations

from lstmdoc.counting import formulas
from lstmdoc.pytorch.conv import MODULE_RULES as CONVOLUTIONS
from lstmdoc.pytorch.normalization import MODULE_RULES as NORMALIZATIONS
from lstmdoc.pytorch.rule import Config, TorchRule, size, weights
from lstmdoc.report.rules import Derivation

__all__ = ["THIRD_PARTY_RULES"]


def _conv1d(config: Config) -> Derivation:
    # transformers.pytorch_utils.Conv1D: a Linear with its weight transposed,
    # weight (nx, nf) and bias (nf,).
    inputs, outputs = size(config, "nx"), size(config, "nf")
    return Derivation(
        weights(("weight", (inputs, outputs)), ("bias", (outputs,))),
        formulas.dense(outputs, inputs, bias=True),
        legend="nf × (nx + 1)",
    )


def _scaled_std_conv(config: Config) -> Derivation:
    # timm.layers.std_conv.ScaledStdConv2d: a Conv2d, and a gain per output channel,
    # gain (out_channels, 1, 1, 1).
    convolution = CONVOLUTIONS["Conv2d"].derive(config)
    outputs = size(config, "out_channels")
    return Derivation(
        (*convolution.weights, *weights(("gain", (outputs, 1, 1, 1)))),
        f"{convolution.formula} + {outputs}",
        legend=f"{convolution.legend or 'a Conv2d'} + out_channels (gain)",
    )


_CONV_READS = CONVOLUTIONS["Conv2d"].reads

THIRD_PARTY_RULES: dict[str, TorchRule] = {
    "transformers.pytorch_utils.Conv1D": TorchRule(
        ("nx", "nf"), _conv1d, "transformers/pytorch_utils.py, Conv1D.__init__"
    ),
    "timm.layers.std_conv.ScaledStdConv2d": TorchRule(
        _CONV_READS, _scaled_std_conv, "timm/layers/std_conv.py, ScaledStdConv2d.__init__"
    ),
    # timm's RmsNorm keeps normalized_shape and elementwise_affine, as torch.nn.RMSNorm does.
    "timm.layers.norm.RmsNorm": TorchRule(
        NORMALIZATIONS["RMSNorm"].reads,
        NORMALIZATIONS["RMSNorm"].derive,
        "timm/layers/norm.py, RmsNorm.__init__",
    ),
}
"""The rule for each class of transformers and timm that lstmdoc derives, by its module and name."""
