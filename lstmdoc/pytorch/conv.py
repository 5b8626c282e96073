"""Rules for ``torch.nn``'s convolutions and their transposes, 1-D to 3-D.

Read off ``_ConvNd.__init__`` in ``torch/nn/modules/conv.py``: the weight is
``(out, in / groups, *window)``, or ``(in, out / groups, *window)`` transposed;
either way ``out × window × in / groups`` values, and one bias per output. A
convolution counts by its ``torch-convNd`` family, whose formula is Keras'
``ConvND``'s.
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


def recognise_convolution(tensors: Mapping[str, Shape], children: frozenset[str]) -> Found | None:
    """A ``weight`` of 3 to 5 dimensions, and perhaps its ``bias``: a convolution.

    ``Conv2d(in, out, k)`` stores ``(out, in, k, k)`` and ``ConvTranspose2d(in, out, k)``
    ``(in, out, k, k)``; neither stores ``groups``. A bias of ``out`` values tells
    them apart where the two sizes differ; elsewhere both readings are shown, and
    the count is the same.
    """
    weight, bias = tensors.get("weight"), tensors.get("bias")
    if children or weight is None or not 3 <= len(weight) <= 5:
        return None
    if not set(tensors) <= {"weight", "bias"} or (bias is not None and len(bias) != 1):
        return None
    first, second, *window = weight
    dimensions = len(window)
    plain = bias is None or bias[0] == first
    transposed = bias is None or bias[0] == second
    if not (plain or transposed):
        return None
    reading = "Conv" if plain else "ConvTranspose"
    inputs, outputs = (second, first) if plain else (first, second)
    config = {
        "in_channels": inputs,
        "out_channels": outputs,
        "kernel_size": tuple(window),
        "groups": 1,
        "transposed": not plain,
        "bias": bias is not None,
    }
    options = f"kernel_size={tuple(window)}" + ("" if bias is not None else ", bias=False")
    call = f"{reading}{dimensions}d({inputs}, {outputs}, {options})"
    note = f"a state_dict does not store a convolution's groups: Conv{dimensions}d(g × in, out, groups=g) stores the same weight"
    if plain and transposed and first != second:
        call += f" or ConvTranspose{dimensions}d({first}, {second}, {options})"
        note = (
            "a state_dict does not say whether a convolution without a bias is transposed, "
            "nor its groups: both readings store the same number of values"
        )
    return Found(f"{reading}{dimensions}d", "conv", config, call, note)


_READS = ("in_channels", "out_channels", "kernel_size", "groups", "transposed", "bias?")

MODULE_RULES = {
    name: TorchRule(
        _READS, _convolution, "torch/nn/modules/conv.py, _ConvNd.__init__", recognise_convolution
    )
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
