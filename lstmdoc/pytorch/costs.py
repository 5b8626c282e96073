"""What a live PyTorch module computes on the input it was given: its multiply-adds.

A module's size alone does not say how much it computes: its input does. When
:func:`lstmdoc.explain` is given ``input_size`` or ``input_data``, the forward pass
of :mod:`lstmdoc.pytorch.shapes` records the shapes each module was called with,
once a call, and this module derives from them the multiply-adds of the module's
matrix products and convolutions, by the formulas of the PyTorch families in
:mod:`lstmdoc.counting.families`. The figure is for the whole input given, batch
included, as torchinfo's ``input_size`` is; a module called twice computes twice.

The convention is that of ``torch.utils.flop_counter.FlopCounterMode``, which
counts two FLOPs for each multiply-add: elementwise work (activations, bias
additions, the gates' products, normalizations) is not counted, nor is a lookup.
A transposed convolution's products are counted over its input's positions, as
``FlopCounterMode`` counts them. Where a call's shapes do not fit what the rule
expects (a ``PackedSequence``), the module's cost is not derived.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from lstmdoc.counting import breakdown
from lstmdoc.counting.formulas import grouped
from lstmdoc.pytorch.formulas import RECURRENT_BLOCKS
from lstmdoc.pytorch.shapes import Call
from lstmdoc.report.costs import ZERO, family_cost
from lstmdoc.report.rules import Cost, Derivation, Spec

__all__ = ["with_cost"]

_Rule = Callable[[Mapping[str, Any], Call, Any], Cost | None]


def with_cost(spec: Spec, derivation: Derivation) -> Derivation:
    """``derivation`` with the cost of the calls recorded in ``spec``, where derived.

    A ``MultiheadAttention``'s ``out_proj`` is never called as a module (its weight
    is used directly): its spec is given the shape it is applied to, so that its
    row has its cost too.
    """
    built = spec.build_config or {}
    calls: Sequence[Call] = built.get("calls", ())
    rule = _RULES.get(spec.class_name) if _in_torch_nn(spec) else None
    if not calls or rule is None:
        return derivation
    costs = [rule(spec.config, call, built.get("batch_first")) for call in calls]
    if any(cost is None for cost in costs):
        return derivation
    cost = _repeated([cost for cost in costs if cost is not None])
    if spec.class_name == "MultiheadAttention":
        applied = tuple(
            Call((_attention_output(call, built.get("batch_first")),)) for call in calls
        )
        children = tuple(
            replace(child, build_config={"calls": applied}) for child in derivation.children
        )
        return replace(derivation, cost=cost, children=children)
    return replace(derivation, cost=cost)


# --- the rules, by class ---------------------------------------------------------------


def _linear(config: Mapping[str, Any], call: Call, _batch_first: Any) -> Cost | None:
    shape = call.tensor(0, "input")
    if shape is None or not shape:
        return None
    counted = breakdown(
        "torch-linear",
        in_features=int(config["in_features"]),
        out_features=int(config["out_features"]),
        bias=bool(config["bias"]),
        positions=math.prod(shape[:-1]),  # every row of the input, batch included
    )
    return family_cost(counted)


def _convolution(config: Mapping[str, Any], call: Call, _batch_first: Any) -> Cost | None:
    shape, output = call.tensor(0, "input"), call.output
    window = tuple(int(size) for size in config["kernel_size"])
    if shape is None or output is None or len(shape) not in (len(window) + 1, len(window) + 2):
        return None
    inputs, outputs = int(config["in_channels"]), int(config["out_channels"])
    groups = int(config["groups"])
    if config["transposed"]:
        # Each input position, spread over a window of outputs for every output channel.
        positions = math.prod(shape) // inputs
        factors = [inputs, *window, outputs // groups]
        shown = " × ".join(map(str, [positions, *factors] if positions != 1 else factors))
        return Cost(positions * math.prod(factors), shown)
    counted = breakdown(
        f"torch-conv{len(window)}d",
        in_channels=inputs,
        out_channels=outputs,
        kernel_size=list(window),
        groups=groups,
        bias=bool(config["bias"]),
        # The output's positions, batch included, as PyTorch computed them (stride,
        # padding and dilation included).
        positions=math.prod(output) // outputs,
    )
    return family_cost(counted)


def _recurrent(mode: str) -> _Rule:
    def rule(config: Mapping[str, Any], call: Call, batch_first: Any) -> Cost | None:
        shape = call.tensor(0, "input")
        if shape is None or len(shape) not in (2, 3):
            return None  # a PackedSequence: its steps differ from sequence to sequence
        if len(shape) == 2:
            batch, steps = 1, shape[0]
        else:
            batch, steps = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
        arguments = {
            key: config[key]
            for key in ("input_size", "hidden_size", "num_layers", "bias", "bidirectional")
        }
        if mode == "LSTM":
            arguments["proj_size"] = config["proj_size"]
        counted = breakdown(f"torch-{mode.lower()}", **arguments, steps=steps)
        one = family_cost(counted)
        if one is None or batch == 1:
            return one
        return Cost(batch * one.mult_adds, f"{batch} × {grouped(one.formula)}")

    return rule


def _cell(mode: str) -> _Rule:
    blocks = RECURRENT_BLOCKS[mode]

    def rule(config: Mapping[str, Any], call: Call, _batch_first: Any) -> Cost | None:
        shape = call.tensor(0, "input")
        if shape is None or len(shape) not in (1, 2):
            return None
        rows = shape[0] if len(shape) == 2 else 1
        inputs, hidden = int(config["input_size"]), int(config["hidden_size"])
        # One step: the input and the state, by every gate block.
        factors = [rows, blocks, hidden] if rows != 1 else [blocks, hidden]
        shown = " × ".join(map(str, [f for f in factors if f != 1] or [1]))
        return Cost(rows * blocks * hidden * (inputs + hidden), f"{shown} × ({inputs} + {hidden})")

    return rule


def _attention(config: Mapping[str, Any], call: Call, batch_first: Any) -> Cost | None:
    """The input projections, then ``QKᵀ`` and weights × V; ``out_proj`` is a row of its own."""
    query, key, value = (call.tensor(index, name) for index, name in enumerate(_QKV))
    key = key or query
    value = value or key
    if query is None or key is None or value is None or len(query) not in (2, 3):
        return None
    width = int(config["embed_dim"])
    kdim, vdim = int(config["kdim"]), int(config["vdim"])
    batch, targets = _batch_and_length(query, batch_first)
    _, sources = _batch_and_length(key, batch_first)
    terms = [
        (targets, width, width),  # queries
        (sources, width, kdim),  # keys
        (sources, width, vdim),  # values
        (targets, sources, width),  # QKᵀ, every head's together
        (targets, sources, width),  # weights × V
    ]
    if config.get("bias_k"):
        terms[3:] = [(targets, sources + 1, width)] * 2  # one learned key and value more
    total = batch * sum(math.prod(term) for term in terms)
    inner = " + ".join(" × ".join(map(str, term)) for term in terms)
    return Cost(total, inner if batch == 1 else f"{batch} × ({inner})")


_QKV = ("query", "key", "value")


def _batch_and_length(shape: Sequence[int], batch_first: Any) -> tuple[int, int]:
    if len(shape) == 2:
        return 1, shape[0]
    return (shape[0], shape[1]) if batch_first else (shape[1], shape[0])


def _attention_output(call: Call, batch_first: Any) -> tuple[int, ...] | None:
    """What ``out_proj`` is applied to: one row per query position, batch included."""
    query = call.tensor(0, "query")
    if query is None or len(query) not in (2, 3):
        return None
    batch, targets = _batch_and_length(query, batch_first)
    return (batch * targets, query[-1])


def _no_products(_config: Mapping[str, Any], _call: Call, _batch_first: Any) -> Cost:
    return ZERO


def _repeated(costs: Sequence[Cost]) -> Cost:
    """The cost of every call: one call's, or ``3 × (…)`` for three alike, or their sum."""
    first = costs[0]
    if len(costs) == 1:
        return first
    total = sum(cost.mult_adds for cost in costs)
    if all(cost == first for cost in costs):
        return Cost(total, f"{len(costs)} × {grouped(first.formula)}")
    return Cost(total, " + ".join(f"{cost.mult_adds:,}" for cost in costs))


def _in_torch_nn(spec: Spec) -> bool:
    # A quantized module has a class of the same name, in torch.ao: not derived here.
    return (spec.module or "").startswith("torch.nn.modules.")


_RULES: dict[str, _Rule] = {
    "Linear": _linear,
    "NonDynamicallyQuantizableLinear": _linear,
    **{f"{kind}{rank}d": _convolution for kind in ("Conv", "ConvTranspose") for rank in (1, 2, 3)},
    **{mode: _recurrent(mode) for mode in RECURRENT_BLOCKS},
    **{f"{mode}Cell": _cell(mode) for mode in RECURRENT_BLOCKS},
    "MultiheadAttention": _attention,
    **dict.fromkeys(
        (
            "Embedding",
            "LayerNorm",
            "RMSNorm",
            "GroupNorm",
            "BatchNorm1d",
            "BatchNorm2d",
            "BatchNorm3d",
            "InstanceNorm1d",
            "InstanceNorm2d",
            "InstanceNorm3d",
            "PReLU",
        ),
        _no_products,
    ),
}
"""How each class's multiply-adds follow from one call's shapes: a lookup, a norm, 0."""
