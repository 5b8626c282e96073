"""Rules for Keras' convolutions: Conv, its transpose, depthwise and separable, and ConvLSTM.

Read off ``keras/src/layers/convolutional/`` (``base_conv.py``,
``base_conv_transpose.py``, ``base_depthwise_conv.py``, ``base_separable_conv.py``)
and ``keras/src/layers/rnn/conv_lstm.py``. ``Conv1D``, ``Conv2D`` and ``Conv3D``
count by their families in :mod:`lstmdoc.counting.families`, mult-adds included:
each output position, every filter over its window. A transposed convolution
spreads each input position over a window of outputs, so its mult-adds are counted
over the input's positions, as PyTorch's ``FlopCounterMode`` counts them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from lstmdoc.counting import breakdown, formulas
from lstmdoc.counting.breakdowns import Weight
from lstmdoc.keras import costs
from lstmdoc.keras.specs import Rule, Shape, Shapes, ints, lora_rank
from lstmdoc.report.costs import family_cost
from lstmdoc.report.rules import Cost, Derivation

__all__ = ["LAYER_RULES", "channels"]


def channels(config: Mapping[str, Any], shape: Shape, first_axis: int = 1) -> int:
    """The input's channels: its last axis, or its first after the batch with channels_first."""
    return int(shape[first_axis] if config["data_format"] == "channels_first" else shape[-1])


def _window(config: Mapping[str, Any]) -> tuple[tuple[int, ...], str]:
    sizes = ints(config["kernel_size"])
    return sizes, " × ".join(map(str, sizes))


def _conv(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    inputs = channels(config, shapes.first)
    sizes, window = _window(config)
    filters, groups = int(config["filters"]), int(config.get("groups", 1))
    positions, open_axis = costs.conv_positions(config, shapes.first)
    counted = breakdown(
        f"conv{len(sizes)}d",
        filters=filters,
        kernel_size=list(sizes),
        channels=inputs,
        groups=groups,
        positions=positions,
        use_bias=bool(config["use_bias"]),
    )
    rank = lora_rank(config)
    # With LoRA the full kernel is frozen, and the low-rank factors train instead.
    weights = [replace(w, trainable=w.name != "kernel" or not rank) for w in counted.weights]
    formula, legend = counted.substituted, counted.formula
    if rank:
        weights += [
            Weight("lora_kernel_a", (*sizes, inputs // groups, rank), True),
            Weight("lora_kernel_b", (rank, filters), True),
        ]
        formula += f" + {rank} × ({window} × {inputs // groups} + {filters})"
        legend += " + rank × (window × channels / groups + filters) (LoRA)"
    cost = family_cost(counted, costs.POSITION if open_axis else None)
    cost = costs.lora(cost, rank, math.prod(sizes) * (inputs // groups), filters)
    return Derivation(tuple(weights), formula, legend=legend, cost=cost)


def _conv_transpose(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    inputs = channels(config, shapes.first)
    sizes, _ = _window(config)
    filters, bias = int(config["filters"]), bool(config["use_bias"])
    weights = [Weight("kernel", (*sizes, filters, inputs), True)]
    if bias:
        weights.append(Weight("bias", (filters,), True))
    # Each input position, spread over a window of outputs for every filter.
    spatial = shapes.first[2:] if config["data_format"] == "channels_first" else shapes.first[1:-1]
    positions, open_axis = costs.known(spatial)
    cost = _cost(positions, [filters, *sizes, inputs], "input position" if open_axis else None)
    formula = formulas.convolution(filters, sizes, inputs, bias=bias)
    return Derivation(tuple(weights), formula, cost=cost)


def _depthwise_conv(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    # A convolution with one group per input channel: channels × depth_multiplier
    # filters, each over the window of one channel.
    inputs = channels(config, shapes.first)
    sizes, _ = _window(config)
    multiplier, bias = int(config["depth_multiplier"]), bool(config["use_bias"])
    weights = [Weight("kernel", (*sizes, inputs, multiplier), True)]
    if bias:
        weights.append(Weight("bias", (multiplier * inputs,), True))
    formula = formulas.convolution(inputs * multiplier, sizes, inputs, groups=inputs, bias=bias)
    legend = "channels × depth_multiplier × " + ("(window × 1 + 1)" if bias else "window × 1")
    positions, open_axis = costs.conv_positions(config, shapes.first)
    cost = _cost(positions, [inputs * multiplier, *sizes], costs.POSITION if open_axis else None)
    return Derivation(tuple(weights), formula, legend=legend, cost=cost)


def _separable_conv(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    # A depthwise convolution without bias, then a 1 × 1 convolution over its outputs.
    inputs = channels(config, shapes.first)
    sizes, _ = _window(config)
    multiplier, filters = int(config["depth_multiplier"]), int(config["filters"])
    bias = bool(config["use_bias"])
    weights = [
        Weight("depthwise_kernel", (*sizes, inputs, multiplier), True),
        Weight("pointwise_kernel", (*(1,) * len(sizes), multiplier * inputs, filters), True),
    ]
    if bias:
        weights.append(Weight("bias", (filters,), True))
    depthwise = formulas.convolution(inputs * multiplier, sizes, inputs, groups=inputs, bias=False)
    pointwise = formulas.dense(filters, inputs * multiplier, bias=bias)
    legend = (
        "channels × depth_multiplier × window × 1 (depthwise) + filters × "
        + ("(channels × depth_multiplier + 1)" if bias else "channels × depth_multiplier")
        + " (pointwise)"
    )
    positions, open_axis = costs.conv_positions(config, shapes.first)
    per = costs.POSITION if open_axis else None
    first = _cost(positions, [inputs * multiplier, *sizes], per)
    second = _cost(positions, [filters, inputs * multiplier], per)
    cost = Cost(first.mult_adds + second.mult_adds, f"{first.formula} + {second.formula}", per)
    return Derivation(tuple(weights), f"{depthwise} + {pointwise}", legend=legend, cost=cost)


def _conv_lstm(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    # The input is (batch, time, ...): channels come after the time axis.
    inputs = channels(config, shapes.first, first_axis=2)
    sizes, window = _window(config)
    filters = int(config["filters"])
    # Each step: the input convolved as configured, the state (at the output's sizes)
    # with "same" padding and stride 1, both for the four gate blocks.
    steps, per = costs.sequence_steps(shapes.first)
    positions, open_axis = costs.conv_positions(config, shapes.first, first_axis=2)
    per = per or (costs.POSITION if open_axis else None)
    inner = f"4 × {filters} × {window} × ({inputs} + {filters})"
    step = Cost(4 * filters * math.prod(sizes) * (inputs + filters), inner, per)
    cost = costs.times(steps, costs.times(positions, step))
    weights = [
        Weight("kernel", (*sizes, inputs, 4 * filters), True),
        Weight("recurrent_kernel", (*sizes, filters, 4 * filters), True),
    ]
    if config["use_bias"]:
        weights.append(Weight("bias", (4 * filters,), True))
        formula = f"4 × {filters} × ({window} × ({inputs} + {filters}) + 1)"
    else:
        formula = f"4 × {filters} × {window} × ({inputs} + {filters})"
    return Derivation(tuple(weights), formula, cost=cost)


def _cost(positions: int, factors: list[int], per: str | None) -> Cost:
    """``positions × factors``: the same products at each position."""
    shown = " × ".join(map(str, [positions, *factors] if positions != 1 else factors))
    return Cost(positions * math.prod(factors), shown, per)


LAYER_RULES: dict[str, Rule] = {
    "Conv1D": _conv,
    "Conv2D": _conv,
    "Conv3D": _conv,
    "Conv1DTranspose": _conv_transpose,
    "Conv2DTranspose": _conv_transpose,
    "Conv3DTranspose": _conv_transpose,
    "DepthwiseConv1D": _depthwise_conv,
    "DepthwiseConv2D": _depthwise_conv,
    "SeparableConv1D": _separable_conv,
    "SeparableConv2D": _separable_conv,
    "ConvLSTM1D": _conv_lstm,
    "ConvLSTM2D": _conv_lstm,
    "ConvLSTM3D": _conv_lstm,
}
"""The rules of Keras' convolutions, by class name."""
