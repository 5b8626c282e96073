"""Rules for ``torch.nn``'s convolutions and their transposes, 1-D to 3-D.

Read off ``_ConvNd.__init__`` in ``torch/nn/modules/conv.py``: the weight is
``(out, in / groups, *window)``, or ``(in, out / groups, *window)`` transposed;
either way ``out × window × in / groups`` values, and one bias per output. A
convolution counts by its ``torch-convNd`` family, whose formula is Keras'
``ConvND``'s.
"""

from __future__ import annotations

from lstmdoc.counting import breakdown, formulas
from lstmdoc.pytorch.rule import Config, TorchRule, derivation, flag, size, sizes, weights
from lstmdoc.report.rules import Derivation

__all__ = ["MODULE_RULES"]


def _convolution(config: Config) -> Derivation:
    inputs, outputs = size(config, "in_channels"), size(config, "out_channels")
    window, groups = sizes(config, "kernel_size"), size(config, "groups", minimum=1)
    bias, transposed = flag(config, "bias"), flag(config, "transposed")
    if not transposed:
        counted = breakdown(
            f"torch-conv{len(window)}d",
            in_channels=inputs,
            out_channels=outputs,
            kernel_size=list(window),
            groups=groups,
            bias=bias,
        )
        return derivation(counted)
    if inputs % groups or outputs % groups:
        raise ValueError(f"groups={groups} must divide {inputs} and {outputs}")
    named = [("weight", (inputs, outputs // groups, *window))]
    named += [("bias", (outputs,))] if bias else []
    return Derivation(
        weights(*named), formulas.convolution(outputs, window, inputs, groups=groups, bias=bias)
    )


_READS = ("in_channels", "out_channels", "kernel_size", "groups", "transposed", "bias?")

MODULE_RULES = {
    name: TorchRule(_READS, _convolution, "torch/nn/modules/conv.py, _ConvNd.__init__")
    for name in (
        "Conv1d",
        "Conv2d",
        "Conv3d",
        "ConvTranspose1d",
        "ConvTranspose2d",
        "ConvTranspose3d",
    )
}
"""The rules of ``torch.nn``'s convolutions, by class name."""
