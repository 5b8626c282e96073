"""Rules for Keras' normalization layers: batch, layer, RMS and group normalization.

Read off ``keras/src/layers/normalization/`` (``batch_normalization.py``,
``layer_normalization.py``, ``rms_normalization.py``, ``group_normalization.py``).
``BatchNormalization`` and ``LayerNormalization`` count by their families in
:mod:`lstmdoc.counting.families`; the others write the same formula for a learned
scale and shift (:func:`lstmdoc.counting.formulas.affine`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lstmdoc.counting import breakdown, formulas
from lstmdoc.counting.breakdowns import Weight
from lstmdoc.keras.specs import Rule, Shape, Shapes
from lstmdoc.report.rules import Derivation

__all__ = ["LAYER_RULES"]


def _batch_normalization(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    counted = breakdown(
        "batch-normalization",
        channels=int(shapes.first[int(config["axis"])]),
        center=bool(config["center"]),
        scale=bool(config["scale"]),
        renorm=bool(config.get("renorm")),
    )
    return Derivation(counted.weights, counted.substituted, legend=counted.formula)


def _axes_shape(config: Mapping[str, Any], shape: Shape) -> tuple[int, ...]:
    axis = config["axis"]
    axes = sorted(axis) if isinstance(axis, (list, tuple)) else [axis]
    return tuple(int(shape[index]) for index in axes)


def _layer_normalization(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    counted = breakdown(
        "layer-normalization",
        shape=list(_axes_shape(config, shapes.first)),
        center=bool(config["center"]),
        scale=bool(config["scale"]),
        rms_scaling=bool(config.get("rms_scaling")),
    )
    return Derivation(counted.weights, counted.substituted, legend=counted.formula)


def _rms_normalization(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    sizes = _axes_shape(config, shapes.first)
    return Derivation((Weight("scale", sizes, True),), formulas.affine(1, sizes))


def _group_normalization(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    channels = int(shapes.first[int(config["axis"])])
    names = [name for name, on in (("gamma", config["scale"]), ("beta", config["center"])) if on]
    weights = tuple(Weight(name, (channels,), True) for name in names)
    return Derivation(weights, formulas.affine(len(names), (channels,)))


LAYER_RULES: dict[str, Rule] = {
    "BatchNormalization": _batch_normalization,
    "LayerNormalization": _layer_normalization,
    "RMSNormalization": _rms_normalization,
    "GroupNormalization": _group_normalization,
}
"""The rules of Keras' normalization layers, by class name (SpectralNormalization, which
derives the layer it wraps, is in :mod:`lstmdoc.keras.registry`)."""
