"""Rules for the Keras preprocessing layers that own weights: Normalization and STFTSpectrogram.

Read off ``keras/src/layers/preprocessing/normalization.py`` and
``keras/src/layers/preprocessing/stft_spectrogram.py``; every other preprocessing
layer owns none (:data:`lstmdoc.keras.registry.WEIGHTLESS`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.counting.formulas import shape_formula
from lstmdoc.keras.specs import Rule, Shapes
from lstmdoc.report.rules import Derivation

__all__ = ["LAYER_RULES"]


def _normalization(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    if config.get("mean") is not None:  # given mean and variance are constants, not weights
        return Derivation(formula="0")
    shape = shapes.first
    axis = config["axis"]
    axes = [axis] if isinstance(axis, int) else list(axis or ())
    kept = sorted(index % len(shape) for index in axes)
    sizes = tuple(int(shape[index]) for index in kept)
    weights = (
        Weight("mean", sizes, False),
        Weight("variance", sizes, False),
        Weight("count", (), False),
    )
    return Derivation(weights, f"2 × {shape_formula(sizes)} + 1")


def _stft_spectrogram(config: Mapping[str, Any], _shapes: Shapes) -> Derivation:
    frame = int(config["frame_length"])
    fft = int(config.get("fft_length") or 2 ** math.ceil(math.log2(frame)))
    shape = (frame, 1, fft // 2 + 1)
    names = [
        name
        for name, part in (("real_kernel", "imag"), ("imag_kernel", "real"))
        if config["mode"] != part
    ]
    weights = tuple(Weight(name, shape, True) for name in names)
    return Derivation(weights, f"{len(names)} × {frame} × {fft // 2 + 1}")


LAYER_RULES: dict[str, Rule] = {
    "Normalization": _normalization,
    "STFTSpectrogram": _stft_spectrogram,
}
"""The rules of Keras' preprocessing layers that own weights, by class name."""
