"""A weight, and a layer's count broken down weight by weight: the values every output shows.

:class:`Weight` is the one type for a weight (or a buffer) everywhere in lstmdoc:
in ``lstmdoc count``'s breakdowns and in the rows of an explained model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ParamBreakdown", "Weight"]


@dataclass(frozen=True)
class Weight:
    """One weight array (or buffer) of a layer.

    Attributes:
        name: the framework's name for it, such as ``kernel``, ``recurrent_kernel``,
            ``moving_mean`` or PyTorch's ``weight_ih_l0``.
        shape: its shape, as the framework stores it, such as ``(1, 80)``.
        trainable: whether the optimizer updates it (for PyTorch, ``requires_grad``).
        meaning: the shape in words, such as ``features × 4·units``, where known.
        dtype: the dtype its values are kept in, such as ``float32``, where known: for
            Keras derived from the layer's dtype policy (:mod:`lstmdoc.keras.dtypes`),
            for PyTorch read from the tensor, since a module's arguments do not say it.
    """

    name: str
    shape: tuple[int, ...]
    trainable: bool = True
    meaning: str = ""
    dtype: str | None = None

    @property
    def count(self) -> int:
        """The number of values in this weight: the product of its shape."""
        return math.prod(self.shape)

    def to_dict(self) -> dict[str, Any]:
        """Return the weight as plain JSON-ready Python values."""
        result: dict[str, Any] = {
            "name": self.name,
            "shape": list(self.shape),
            "count": self.count,
            "trainable": self.trainable,
        }
        if self.meaning:
            result["meaning"] = self.meaning
        if self.dtype:
            result["dtype"] = self.dtype
        return result


@dataclass(frozen=True)
class ParamBreakdown:
    """Where a layer's parameter count comes from.

    Attributes:
        layer: the class name, such as ``"LSTM"``.
        framework: ``"Keras"`` or ``"PyTorch"``.
        arguments: the layer's arguments, by the framework's names, such as
            ``{"units": 20, "features": 1, "use_bias": True}``.
        weights: the layer's weights (its parameters), in the framework's order.
        buffers: state it keeps that the framework does not count as parameters,
            such as PyTorch's ``running_mean``.
        formula: the count in words, such as ``4 × units × (features + units + 1)``.
        substituted: the same with this layer's numbers, such as ``4 × 20 × (1 + 20 + 1)``.
        call: the layer as code, such as ``layers.LSTM(20)``.
        title: a line naming the layer and what it was counted on.
        mult_adds: the multiply-adds of the layer's matrix products and convolutions
            for the sizes given (time steps, positions), or ``None`` where its family
            has no formula for them; elementwise work is not counted, and PyTorch's
            ``FlopCounterMode`` counts two FLOPs for each.
        mult_adds_formula: the mult-adds in words, such as
            ``steps × 4 × units × (features + units)``.
        mult_adds_substituted: the same with the numbers, such as ``20 × 4 × 20 × (1 + 20)``.
        mult_adds_for: what they are for, such as ``for 20 time steps``.
        saved_values: the values the layer keeps for the backward pass when training,
            for the sizes given, as :mod:`lstmdoc.counting.activations` estimates them,
            or ``None`` where its family has no estimate.
        saved_formula: the saved values in words, such as
            ``steps × (features + 7 × units)``.
        saved_substituted: the same with the numbers, such as ``20 × (1 + 7 × 20)``.
    """

    layer: str
    framework: str
    arguments: Mapping[str, Any]
    weights: tuple[Weight, ...]
    formula: str
    substituted: str
    buffers: tuple[Weight, ...] = ()
    call: str = ""
    title: str = field(default="")
    mult_adds: int | None = None
    mult_adds_formula: str = ""
    mult_adds_substituted: str = ""
    mult_adds_for: str = ""
    saved_values: int | None = None
    saved_formula: str = ""
    saved_substituted: str = ""

    @property
    def total(self) -> int:
        """The layer's parameter count: the sum of its weights' counts."""
        return sum(weight.count for weight in self.weights)

    @property
    def trainable(self) -> int:
        """How many of the parameters the optimizer updates."""
        return sum(weight.count for weight in self.weights if weight.trainable)

    @property
    def equation(self) -> str:
        """The substituted formula and its value, such as ``4 × 20 × (1 + 20 + 1) = 1,760``."""
        return f"{self.substituted} = {self.total:,}"

    @property
    def cost_equation(self) -> str | None:
        """The mult-adds and what they are for, such as ``20 × 4 × 20 × (1 + 20) = 33,600``."""
        if self.mult_adds is None:
            return None
        return f"{self.mult_adds_substituted} = {self.mult_adds:,}"

    @property
    def cost_line(self) -> str | None:
        """The mult-adds as ``lstmdoc count`` prints them under the count, or ``None``.

        Such as ``Mult-adds for 20 time steps: 20 × 4 × 20 × (1 + 20) = 33,600
        (67,200 FLOPs)``: PyTorch's ``FlopCounterMode`` counts two FLOPs for each.
        """
        if self.mult_adds is None:
            return None
        if self.mult_adds == 0:
            return f"Mult-adds: 0 ({self.mult_adds_for})" if self.mult_adds_for else "Mult-adds: 0"
        what = f" {self.mult_adds_for}" if self.mult_adds_for else ""
        return f"Mult-adds{what}: {self.cost_equation} ({2 * self.mult_adds:,} FLOPs)"

    @property
    def saved_line(self) -> str | None:
        """The values kept for the backward pass, as ``lstmdoc count`` prints them, or ``None``.

        Such as ``Kept for the backward pass (an estimate): 20 × (1 + 7 × 20) = 2,820
        values``.
        """
        if self.saved_values is None:
            return None
        return (
            f"Kept for the backward pass (an estimate): {self.saved_substituted} = "
            f"{self.saved_values:,} values"
        )

    @property
    def units(self) -> int | None:
        """The ``units`` argument of a Keras layer that has one, else ``None``."""
        return self.arguments.get("units")

    @property
    def features(self) -> int | None:
        """The ``features`` argument (the input's last axis), else ``None``."""
        return self.arguments.get("features")

    @property
    def use_bias(self) -> bool | None:
        """Whether the layer has a bias (``use_bias``, or PyTorch's ``bias``)."""
        value = self.arguments.get("use_bias", self.arguments.get("bias"))
        return None if value is None else bool(value)

    @property
    def reset_after(self) -> bool | None:
        """For a Keras GRU, its ``reset_after`` setting; ``None`` otherwise."""
        return self.arguments.get("reset_after")

    def to_dict(self) -> dict[str, Any]:
        """Return the breakdown as plain JSON-ready Python values."""
        return {
            "layer": self.layer,
            "framework": self.framework,
            **self.arguments,
            "weights": [weight.to_dict() for weight in self.weights],
            "buffers": [buffer.to_dict() for buffer in self.buffers],
            "formula": self.formula,
            "substituted": self.substituted,
            "total": self.total,
            "trainable": self.trainable,
            "mult_adds": self.mult_adds,
            "mult_adds_formula": self.mult_adds_formula,
            "mult_adds_substituted": self.mult_adds_substituted,
            "mult_adds_for": self.mult_adds_for,
            "saved_values": self.saved_values,
            "saved_formula": self.saved_formula,
            "saved_substituted": self.saved_substituted,
        }

    def __str__(self) -> str:
        """Return the derivation as a small plain-text table."""
        rows = [("weight", "shape", "count", "meaning")]
        rows += [
            (weight.name, _shape_text(weight.shape), f"{weight.count:,}", weight.meaning)
            for weight in self.weights
        ]
        rows += [
            (buffer.name, _shape_text(buffer.shape), f"{buffer.count:,}", buffer.meaning)
            for buffer in self.buffers
        ]
        rows.append(("total", "", f"{self.total:,}", "parameters" if self.buffers else ""))
        widths = [max(len(row[column]) for row in rows) for column in range(3)]

        def line(row: tuple[str, str, str, str]) -> str:
            name, shape, count, meaning = row
            text = f"  {name:<{widths[0]}}  {shape:<{widths[1]}}  {count:>{widths[2]}}  {meaning}"
            return text.rstrip()

        body = [line(row) for row in rows]
        rule = "  " + "-" * (max(len(text) for text in body) - 2)
        return "\n".join(
            [self.title, "", body[0], rule, *body[1:-1], rule, body[-1], "", self.equation]
        )


def _shape_text(shape: tuple[int, ...]) -> str:
    if not shape:
        return "()"
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
