"""What a Keras layer computes, per sample: the sizes its multiply-adds are counted over.

A Keras layer is built on a shape whose batch axis is ``None``: its mult-adds are
per sample. Another axis may be ``None`` too, a time axis most often
(``keras.Input(shape=(None, 8))``): its size is not known, so the figure is given
for one step of it, and the :class:`~lstmdoc.report.rules.Cost` says so in its
``per``. A convolution's output positions are computed from its input as Keras'
``compute_conv_output_shape`` computes them (``keras/src/ops/operation_utils.py``,
read), and an ``EinsumDense``'s products from its equation, one multiply-add for
each combination of its letters' sizes, as ``einsum`` computes them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lstmdoc.counting.formulas import grouped
from lstmdoc.keras.specs import Shape, ints
from lstmdoc.report.costs import summed_cost
from lstmdoc.report.rules import Cost

__all__ = [
    "NO_PRODUCTS",
    "POSITION",
    "STEP",
    "UNKNOWN_PRODUCTS",
    "conv_positions",
    "einsum_mult_adds",
    "known",
    "lora",
    "positions",
    "repeated",
    "sequence_steps",
    "times",
]

NO_PRODUCTS = frozenset(
    {
        "BatchNormalization",
        "GroupNormalization",
        "LayerNormalization",
        "LayerScale",
        "Normalization",
        "PReLU",
        "RMSNormalization",
    }
)
"""Layers with weights that multiply nothing together: elementwise work only, 0 mult-adds."""

UNKNOWN_PRODUCTS = frozenset(
    {"Dot", "Lambda", "Layer", "MelSpectrogram", "RandomElasticTransform", "RandomGaussianBlur"}
)
"""Weightless layers whose products lstmdoc does not derive (a batched dot, code, a blur's
convolution, a spectrogram's): their mult-adds, and every total they enter, are not given."""

STEP = "time step"
"""What a figure is for where a sequence's time axis is ``None``."""

POSITION = "output position"
"""What a convolution's figure is for where its input's sizes are ``None``."""


def known(sizes: Sequence[Any]) -> tuple[int, bool]:
    """The product of ``sizes``, each ``None`` taken as 1, and whether there was one."""
    return math.prod(1 if size is None else int(size) for size in sizes), None in sizes


def sequence_steps(shape: Shape) -> tuple[int, str | None]:
    """The time steps of a ``(batch, time, ...)`` input: its second axis, or 1 per step if ``None``."""
    if len(shape) < 3:
        return 1, None  # a cell's input: one step
    steps, open_axis = known([shape[1]])
    return steps, STEP if open_axis else None


def positions(shape: Shape) -> tuple[int, str | None]:
    """Where a Dense-like kernel applies: every axis between the batch and the last, multiplied."""
    count, open_axis = known(shape[1:-1])
    return count, (STEP if len(shape) == 3 else "position") if open_axis else None


def conv_positions(
    config: Mapping[str, Any], shape: Shape, first_axis: int = 1
) -> tuple[int, bool]:
    """A convolution's output positions, per sample, as Keras computes its output's sizes.

    ``valid`` padding: ``(n - dilation × (k - 1) - 1) // stride + 1``; ``same`` and
    ``causal``: ``(n - 1) // stride + 1``. Also whether an input size was ``None``.
    """
    channels_first = config.get("data_format") == "channels_first"
    spatial = shape[first_axis + 1 :] if channels_first else shape[first_axis:-1]
    window = ints(config["kernel_size"])
    rank = len(window)
    strides = _per_axis(config.get("strides", 1), rank)
    dilation = _per_axis(config.get("dilation_rate", 1), rank)
    padding = str(config.get("padding", "valid")).lower()
    sizes: list[int | None] = []
    for size, kernel, stride, rate in zip(spatial, window, strides, dilation, strict=True):
        if size is None:
            sizes.append(None)
        elif padding == "valid":
            sizes.append(max((int(size) - rate * (kernel - 1) - 1) // stride + 1, 0))
        else:
            sizes.append((int(size) - 1) // stride + 1)
    return known(sizes)


def _per_axis(value: Any, rank: int) -> tuple[int, ...]:
    return (int(value),) * rank if isinstance(value, int) else ints(value)


def einsum_mult_adds(
    equation: str, input_shape: Shape, kernel: Sequence[int]
) -> tuple[tuple[int, ...], bool]:
    """The sizes whose product is ``einsum(equation, x, kernel)``'s multiply-adds, per sample.

    One multiply-add for each combination of the letters' sizes. Every letter of the
    equation is an axis of the input or the kernel; an ellipsis stands for the
    input's axes the equation does not name. The batch axis counts 1, and so does an
    axis of size ``None``; also whether there was one.
    """
    dotted = equation.replace("...", "0")
    inputs, kernel_letters, _ = re.split(r",|->", dotted)
    elided = len(input_shape) - len(inputs.replace("0", ""))
    axes = list(inputs)
    if "0" in axes:  # the ellipsis: as many axes as the input has beyond the letters
        at = axes.index("0")
        axes[at : at + 1] = [f"0{index}" for index in range(elided)]
    sizes: dict[str, Any] = {}
    for index, letter in enumerate(axes):
        sizes[letter] = 1 if index == 0 else input_shape[index]
    for letter, size in zip(kernel_letters, kernel, strict=True):
        sizes.setdefault(letter, size)
    values = list(sizes.values())
    return tuple(1 if size is None else int(size) for size in values), None in values


def lora(cost: Cost | None, rank: int, rows: int, columns: int) -> Cost | None:
    """``cost``, and with LoRA, its factors' product: Keras adds ``a @ b`` to the weight each call.

    ``lora_kernel_a (rows, rank) @ lora_kernel_b (rank, columns)``: ``rows × rank ×
    columns`` multiply-adds, once a call, whatever the batch (``Dense.kernel``,
    ``Embedding.embeddings`` and ``BaseConv.kernel`` in Keras 3.15, read).
    """
    if cost is None or not rank:
        return cost
    extra = rows * rank * columns
    return Cost(cost.mult_adds + extra, f"{cost.formula} + {rows} × {rank} × {columns}", cost.per)


def times(count: int, cost: Cost, per: str | None = None) -> Cost:
    """``count`` runs of ``cost``: ``20 × (…)``, or the cost itself for one run."""
    per = per or cost.per
    if count == 1:
        return Cost(cost.mult_adds, cost.formula, per)
    return Cost(count * cost.mult_adds, f"{count} × {grouped(cost.formula)}", per)


def repeated(count: int, per: str | None) -> Callable[[Sequence[Cost]], Cost | None]:
    """A wrapper's cost from its layer's: that layer's, run ``count`` times (once a step)."""

    def compose(inner: Sequence[Cost]) -> Cost | None:
        one = summed_cost(inner, keep_one=True)
        return None if one is None else times(count, one, per)

    return compose
