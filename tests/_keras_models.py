"""Shared checks for the tests that hold lstmdoc's explanations against real Keras."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import keras
from hypothesis import settings
from hypothesis import strategies as st

import lstmdoc
from lstmdoc.report.rows import LayerRow
from tests._formulas import evaluate

SIZES = st.integers(min_value=1, max_value=12)
SMALL = st.integers(min_value=1, max_value=5)
SWEEP = settings(max_examples=12, deadline=None)


def as_stored(rows: Sequence[LayerRow]) -> list[LayerRow]:
    """Live rows as a file gives them: a file's layers are not run, so they have no output shape."""
    return [dataclasses.replace(row, output_shape=None) for row in rows]


def known(value: int | None) -> int:
    """A count that must be known: fails the test where it is ``None``."""
    assert value is not None
    return value


def size(weights) -> int:
    """The number of values in a list of Keras weights."""
    return sum(math.prod(weight.shape) for weight in weights)


def model_of(layer: keras.layers.Layer, *shapes, call=None, dtype=None) -> keras.Model:
    """A functional model calling ``layer`` on one ``keras.Input`` per shape.

    ``call(layer, inputs)`` applies the layer (default: ``layer(*inputs)``), for layers
    such as Attention that take a list.
    """
    inputs = [keras.Input(shape=shape, dtype=dtype) for shape in shapes]
    outputs = call(layer, inputs) if call else layer(*inputs)
    return keras.Model(inputs, outputs)


def assert_matches_keras(report: lstmdoc.ModelReport, model: keras.Model) -> None:
    """Every row derived, equal to Keras' count, its formula evaluating to it; totals too."""
    for row in report.rows:
        assert row.derived, row
        assert row.params == row.framework_params, row
        assert row.check == "ok", row
        assert row.formula is not None
        if "rows:" not in row.formula:  # a long sum names its first and last terms
            assert evaluate(row.formula) == row.params, row
        assert row.trainable_params is not None
        assert known(row.trainable_params) + known(row.non_trainable_params) == row.params
    assert report.total_params == model.count_params()
    assert report.derived_params == model.count_params()
    assert report.trainable_params == size(model.trainable_weights)
    assert report.non_trainable_params == size(model.non_trainable_weights)
    assert report.agrees


def save(model: keras.Model, path: Path) -> Path:
    """Save ``model`` to ``path`` and return it."""
    with warnings.catch_warnings():
        # Keras' TensorFlow backend hands variables to np.array with copy=False, which
        # NumPy 2 deprecates; the saved files are sound.
        warnings.simplefilter("ignore", DeprecationWarning)
        model.save(path)
    return path


def explained(layer, *shapes, call=None, dtype=None):
    """Explain a model calling ``layer`` and check every row against Keras; return the rows."""
    model = model_of(layer, *shapes, call=call, dtype=dtype)
    report = lstmdoc.explain(model)
    assert_matches_keras(report, model)
    return report.rows
