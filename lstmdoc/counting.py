"""Parameter counts of Keras' recurrent and dense layers, weight by weight.

Each ``*_param_breakdown`` function lists the weights a Keras layer creates, in the
order ``layer.get_weights()`` returns them, with their shapes; each
``*_param_count`` function returns the total. Only NumPy-free arithmetic is used:
nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lstmdoc._checks import flag, positive_int

__all__ = [
    "ParamBreakdown",
    "Weight",
    "dense_param_breakdown",
    "dense_param_count",
    "gru_param_breakdown",
    "gru_param_count",
    "lstm_param_breakdown",
    "lstm_param_count",
    "simple_rnn_param_breakdown",
    "simple_rnn_param_count",
]


@dataclass(frozen=True)
class Weight:
    """One weight array of a layer.

    Attributes:
        name: Keras' name for it: ``kernel``, ``recurrent_kernel`` or ``bias``.
        shape: its shape, as ``layer.get_weights()`` returns it.
        meaning: the shape in words, such as ``features × 4·units``.
    """

    name: str
    shape: tuple[int, ...]
    meaning: str

    @property
    def count(self) -> int:
        """The number of parameters in this weight: the product of its shape."""
        return math.prod(self.shape)


@dataclass(frozen=True)
class ParamBreakdown:
    """Where a layer's parameter count comes from.

    Attributes:
        layer: the Keras class name, such as ``"LSTM"``.
        units: the layer's ``units``.
        features: the size of the last axis of the layer's input.
        use_bias: whether the layer has a bias.
        weights: the layer's weights, in Keras' order.
        formula: the count in symbols, such as ``4 × units × (features + units + 1)``.
        substituted: the same with this layer's numbers, such as ``4 × 20 × (1 + 20 + 1)``.
        reset_after: for a GRU, Keras' ``reset_after`` setting; ``None`` otherwise.
    """

    layer: str
    units: int
    features: int
    use_bias: bool
    weights: tuple[Weight, ...]
    formula: str
    substituted: str
    reset_after: bool | None = None

    @property
    def total(self) -> int:
        """The layer's parameter count: the sum of its weights' counts."""
        return sum(weight.count for weight in self.weights)

    @property
    def equation(self) -> str:
        """The substituted formula and its value, such as ``4 × 20 × (1 + 20 + 1) = 1,760``."""
        return f"{self.substituted} = {self.total:,}"

    def to_dict(self) -> dict[str, Any]:
        """Return the breakdown as plain JSON-ready Python values."""
        result: dict[str, Any] = {
            "layer": self.layer,
            "units": self.units,
            "features": self.features,
            "use_bias": self.use_bias,
        }
        if self.reset_after is not None:
            result["reset_after"] = self.reset_after
        result["weights"] = [
            {
                "name": weight.name,
                "shape": list(weight.shape),
                "count": weight.count,
                "meaning": weight.meaning,
            }
            for weight in self.weights
        ]
        result["formula"] = self.formula
        result["substituted"] = self.substituted
        result["total"] = self.total
        return result

    def __str__(self) -> str:
        """Return the derivation as a small plain-text table."""
        rows = [("weight", "shape", "count", "meaning")]
        rows += [
            (weight.name, _shape_text(weight.shape), f"{weight.count:,}", weight.meaning)
            for weight in self.weights
        ]
        rows.append(("total", "", f"{self.total:,}", ""))
        widths = [max(len(row[column]) for row in rows) for column in range(3)]

        def line(row: tuple[str, str, str, str]) -> str:
            name, shape, count, meaning = row
            text = f"  {name:<{widths[0]}}  {shape:<{widths[1]}}  {count:>{widths[2]}}  {meaning}"
            return text.rstrip()

        body = [line(row) for row in rows]
        rule = "  " + "-" * (max(len(text) for text in body) - 2)
        return "\n".join(
            [self._title(), "", body[0], rule, *body[1:-1], rule, body[-1], "", self.equation]
        )

    def _title(self) -> str:
        options = [f"units={self.units}", f"use_bias={self.use_bias}"]
        if self.reset_after is not None:
            options.append(f"reset_after={self.reset_after}")
        plural = "" if self.features == 1 else "s"
        return f"{self.layer}({', '.join(options)}) on {self.features} input feature{plural}"


def lstm_param_breakdown(units: int, features: int, *, use_bias: bool = True) -> ParamBreakdown:
    """Break down the parameters of ``keras.layers.LSTM(units)`` on ``features`` inputs.

    The four gate blocks (input, forget, cell candidate, output) are fused side by
    side, so every weight has ``4 * units`` columns:
    ``kernel (features, 4 * units)``, ``recurrent_kernel (units, 4 * units)`` and,
    with ``use_bias``, ``bias (4 * units,)``.
    """
    units, features, use_bias = _sizes(units, features, use_bias)
    weights = [
        Weight("kernel", (features, 4 * units), "features × 4·units"),
        Weight("recurrent_kernel", (units, 4 * units), "units × 4·units"),
    ]
    if use_bias:
        weights.append(Weight("bias", (4 * units,), "4·units"))
    return _recurrent("LSTM", 4, units, features, use_bias, weights)


def gru_param_breakdown(
    units: int, features: int, *, use_bias: bool = True, reset_after: bool = True
) -> ParamBreakdown:
    """Break down the parameters of ``keras.layers.GRU(units)`` on ``features`` inputs.

    Three gate blocks (update, reset, candidate) give ``kernel (features, 3 * units)``
    and ``recurrent_kernel (units, 3 * units)``. With ``reset_after=True`` (Keras'
    default) the bias is ``(2, 3 * units)``: one row for the input and one for the
    recurrent projection; with ``reset_after=False`` it is ``(3 * units,)``.
    """
    units, features, use_bias = _sizes(units, features, use_bias)
    reset_after = flag("reset_after", reset_after)
    weights = [
        Weight("kernel", (features, 3 * units), "features × 3·units"),
        Weight("recurrent_kernel", (units, 3 * units), "units × 3·units"),
    ]
    biases = 0
    if use_bias and reset_after:
        biases = 2
        weights.append(Weight("bias", (2, 3 * units), "2 × 3·units (input and recurrent bias)"))
    elif use_bias:
        biases = 1
        weights.append(Weight("bias", (3 * units,), "3·units"))
    return _recurrent("GRU", 3, units, features, use_bias, weights, biases, reset_after)


def simple_rnn_param_breakdown(
    units: int, features: int, *, use_bias: bool = True
) -> ParamBreakdown:
    """Break down the parameters of ``keras.layers.SimpleRNN(units)`` on ``features`` inputs.

    One block: ``kernel (features, units)``, ``recurrent_kernel (units, units)`` and,
    with ``use_bias``, ``bias (units,)``.
    """
    units, features, use_bias = _sizes(units, features, use_bias)
    weights = [
        Weight("kernel", (features, units), "features × units"),
        Weight("recurrent_kernel", (units, units), "units × units"),
    ]
    if use_bias:
        weights.append(Weight("bias", (units,), "units"))
    return _recurrent("SimpleRNN", 1, units, features, use_bias, weights)


def dense_param_breakdown(units: int, features: int, *, use_bias: bool = True) -> ParamBreakdown:
    """Break down the parameters of ``keras.layers.Dense(units)`` on ``features`` inputs.

    ``kernel (features, units)`` and, with ``use_bias``, ``bias (units,)``.
    ``features`` is the size of the input's last axis, whatever its rank.
    """
    units, features, use_bias = _sizes(units, features, use_bias)
    weights = [Weight("kernel", (features, units), "features × units")]
    if use_bias:
        weights.append(Weight("bias", (units,), "units"))
        formula, substituted = "units × (features + 1)", f"{units} × ({features} + 1)"
    else:
        formula, substituted = "units × features", f"{units} × {features}"
    return ParamBreakdown("Dense", units, features, use_bias, tuple(weights), formula, substituted)


def lstm_param_count(units: int, features: int, *, use_bias: bool = True) -> int:
    """Return the parameter count of ``keras.layers.LSTM(units)`` on ``features`` inputs.

    ``4 * units * (features + units + 1)``, or ``4 * units * (features + units)``
    without a bias. ``lstm_param_count(20, 1)`` is 1,760.
    """
    return lstm_param_breakdown(units, features, use_bias=use_bias).total


def gru_param_count(
    units: int, features: int, *, use_bias: bool = True, reset_after: bool = True
) -> int:
    """Return the parameter count of ``keras.layers.GRU(units)`` on ``features`` inputs.

    ``3 * units * (features + units + 2)`` with ``reset_after=True`` (Keras' default,
    two bias vectors), ``3 * units * (features + units + 1)`` with
    ``reset_after=False``, and ``3 * units * (features + units)`` without a bias.
    """
    return gru_param_breakdown(units, features, use_bias=use_bias, reset_after=reset_after).total


def simple_rnn_param_count(units: int, features: int, *, use_bias: bool = True) -> int:
    """Return the parameter count of ``keras.layers.SimpleRNN(units)`` on ``features`` inputs.

    ``units * (features + units + 1)``, or ``units * (features + units)`` without a bias.
    """
    return simple_rnn_param_breakdown(units, features, use_bias=use_bias).total


def dense_param_count(units: int, features: int, *, use_bias: bool = True) -> int:
    """Return the parameter count of ``keras.layers.Dense(units)`` on ``features`` inputs.

    ``units * (features + 1)``, or ``units * features`` without a bias.
    ``dense_param_count(20, 20)`` is 420.
    """
    return dense_param_breakdown(units, features, use_bias=use_bias).total


# --- private helpers -------------------------------------------------------------


def _sizes(units: Any, features: Any, use_bias: Any) -> tuple[int, int, bool]:
    return (
        positive_int("units", units),
        positive_int("features", features),
        flag("use_bias", use_bias),
    )


def _recurrent(
    layer: str,
    blocks: int,
    units: int,
    features: int,
    use_bias: bool,
    weights: list[Weight],
    biases: int | None = None,
    reset_after: bool | None = None,
) -> ParamBreakdown:
    """Assemble the breakdown of a recurrent layer with ``blocks`` fused gate blocks."""
    if biases is None:
        biases = 1 if use_bias else 0
    bias_term = f" + {biases}" if biases else ""
    factor, factor_value = (f"{blocks} × ", f"{blocks} × ") if blocks > 1 else ("", "")
    formula = f"{factor}units × (features + units{bias_term})"
    substituted = f"{factor_value}{units} × ({features} + {units}{bias_term})"
    return ParamBreakdown(
        layer, units, features, use_bias, tuple(weights), formula, substituted, reset_after
    )


def grouped(formula: str) -> str:
    """Parenthesise a formula with a top-level ``+`` before it is multiplied.

    ``grouped("a + b")`` is ``"(a + b)"``; ``grouped("2 × (a + b)")`` is unchanged.
    """
    depth = 0
    for index, character in enumerate(formula):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and formula.startswith(" + ", index):
            return f"({formula})"
    return formula


def _shape_text(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
