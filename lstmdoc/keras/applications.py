"""Rules for Keras' own layers outside ``keras.layers``: those of ``keras.applications``.

Keras' application models build a few layers of their own, defined beside the model
and not exported; a file names them by their module, such as
``keras.src.applications.convnext``. Of them, only ConvNeXt's ``LayerScale`` creates a
weight (``LayerScale.build`` in ``keras/src/applications/convnext.py``): ``gamma``,
one scale per channel, ``(projection_dim,)``. ConvNeXt's ``StochasticDepth`` and
Inception-ResNet-v2's ``CustomScaleLayer`` create none (``WEIGHTLESS``).

``LayerScale`` creates ``gamma`` without a name, so Keras names the variable
``variable``, ``variable_1`` ...; the rule calls it ``gamma``, by the attribute that
holds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.keras.specs import Rule, Shapes
from lstmdoc.report.rules import Derivation

__all__ = ["LAYER_RULES", "WEIGHTLESS"]


def _layer_scale(config: Mapping[str, Any], _shapes: Shapes) -> Derivation:
    channels = int(config["projection_dim"])
    gamma = Weight("gamma", (channels,), True, meaning="projection_dim")
    return Derivation((gamma,), str(channels))


LAYER_RULES: dict[str, Rule] = {"LayerScale": _layer_scale}
"""The rules of the weight-owning layers of ``keras.applications``, by class name."""

WEIGHTLESS = frozenset({"StochasticDepth", "CustomScaleLayer"})
"""The layers of ``keras.applications`` that create no weights."""
