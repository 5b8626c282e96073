"""Parameter counts of single layers, weight by weight, for Keras and PyTorch.

Each ``*_param_breakdown`` function lists the weights a Keras layer creates, in the
order ``layer.get_weights()`` returns them, with their shapes; each
``*_param_count`` function returns the total. They, ``lstmdoc count`` and the home
page's calculator all evaluate the layer families of
:mod:`lstmdoc.counting.families`, where every formula is written once. Nothing
here imports NumPy, TensorFlow or PyTorch.
"""

from __future__ import annotations

from typing import Any

from lstmdoc.counting.breakdowns import ParamBreakdown, Weight
from lstmdoc.counting.families import FAMILIES
from lstmdoc.counting.family import Family
from lstmdoc.counting.family import breakdown as _evaluate

__all__ = [
    "FAMILIES",
    "ParamBreakdown",
    "Weight",
    "breakdown",
    "dense_param_breakdown",
    "dense_param_count",
    "gru_param_breakdown",
    "gru_param_count",
    "lstm_param_breakdown",
    "lstm_param_count",
    "simple_rnn_param_breakdown",
    "simple_rnn_param_count",
]


def breakdown(family: str | Family, **arguments: Any) -> ParamBreakdown:
    """Break down the count of one layer of a family, such as ``breakdown("conv2d", ...)``.

    Args:
        family: a key of :data:`FAMILIES` (``"lstm"``, ``"conv2d"``, ``"torch-lstm"`` ...),
            or a family.
        arguments: the layer's arguments, by the framework's names; those left out
            take the framework's defaults.

    Raises:
        TypeError: an unknown family or argument, or an argument of the wrong type.
        ValueError: an argument out of range, or arguments that do not fit together.
    """
    if isinstance(family, str):
        if family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
        family = FAMILIES[family]
    if not isinstance(family, Family):
        raise TypeError(f"family must be a family's name, got {type(family).__name__}")
    return _evaluate(family, arguments)


def lstm_param_breakdown(units: int, features: int, *, use_bias: bool = True) -> ParamBreakdown:
    """Break down the parameters of ``keras.layers.LSTM(units)`` on ``features`` inputs.

    The four gate blocks (input, forget, cell candidate, output) are fused side by
    side, so every weight has ``4 * units`` columns:
    ``kernel (features, 4 * units)``, ``recurrent_kernel (units, 4 * units)`` and,
    with ``use_bias``, ``bias (4 * units,)``.
    """
    return breakdown("lstm", units=units, features=features, use_bias=use_bias)


def gru_param_breakdown(
    units: int, features: int, *, use_bias: bool = True, reset_after: bool = True
) -> ParamBreakdown:
    """Break down the parameters of ``keras.layers.GRU(units)`` on ``features`` inputs.

    Three gate blocks (update, reset, candidate) give ``kernel (features, 3 * units)``
    and ``recurrent_kernel (units, 3 * units)``. With ``reset_after=True`` (Keras'
    default) the bias is ``(2, 3 * units)``: one row for the input and one for the
    recurrent projection; with ``reset_after=False`` it is ``(3 * units,)``.
    """
    return breakdown(
        "gru", units=units, features=features, use_bias=use_bias, reset_after=reset_after
    )


def simple_rnn_param_breakdown(
    units: int, features: int, *, use_bias: bool = True
) -> ParamBreakdown:
    """Break down the parameters of ``keras.layers.SimpleRNN(units)`` on ``features`` inputs.

    One block: ``kernel (features, units)``, ``recurrent_kernel (units, units)`` and,
    with ``use_bias``, ``bias (units,)``.
    """
    return breakdown("simple-rnn", units=units, features=features, use_bias=use_bias)


def dense_param_breakdown(units: int, features: int, *, use_bias: bool = True) -> ParamBreakdown:
    """Break down the parameters of ``keras.layers.Dense(units)`` on ``features`` inputs.

    ``kernel (features, units)`` and, with ``use_bias``, ``bias (units,)``.
    ``features`` is the size of the input's last axis, whatever its rank.
    """
    return breakdown("dense", units=units, features=features, use_bias=use_bias)


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
