"""Rules for Keras' activation layers: PReLU, the only one with weights.

Read off ``keras/src/layers/activations/prelu.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.counting.formulas import shape_formula
from lstmdoc.keras.specs import Rule, Shapes
from lstmdoc.report.rules import Derivation

__all__ = ["LAYER_RULES"]


def _prelu(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    sizes = [int(size) for size in shapes.first[1:]]
    for axis in config.get("shared_axes") or ():
        sizes[int(axis) - 1] = 1  # as Keras indexes it, for negative axes too
    return Derivation((Weight("alpha", tuple(sizes), True),), shape_formula(sizes))


LAYER_RULES: dict[str, Rule] = {"PReLU": _prelu}
"""The rules of Keras' activation layers that own weights, by class name."""
