"""The worked example of the site: an LSTM that memorises the sequence 0, 20, …, 380.

One sample of 20 time steps with one feature each, ``x`` of shape ``(1, 20, 1)``,
and the same 20 numbers as the target, ``y`` of shape ``(1, 20)``; the model is
``LSTM(20, activation="relu")`` then ``Dense(20)``, trained with mean squared error
and Adam for 1,500 optimiser steps.

The tutorial page spells this code out; the other pages call these functions so
that they train exactly the same model. Keras is imported only when a function
needs it, so ``import lstmdoc.example`` is cheap.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from lstmdoc._checks import describe, positive_int
from lstmdoc._types import Float32Array

__all__ = ["LENGTH", "SEED", "STEP", "STEPS", "UNITS", "build_model", "sequence", "train"]

#: Time steps in the sequence, and outputs of the Dense layer.
LENGTH = 20
#: The difference between consecutive numbers of the sequence.
STEP = 20
#: The LSTM's units.
UNITS = 20
#: Optimiser steps, one per epoch of the original example (one sample, batch size 1).
STEPS = 1500
#: The random seed of the weights' initialisation.
SEED = 0


def sequence(length: int = LENGTH, step: float = STEP) -> tuple[Float32Array, Float32Array]:
    """Return the sequence ``0, step, 2·step, …`` as one training sample.

    Args:
        length: the number of time steps.
        step: the difference between consecutive numbers; any finite real number.

    Returns:
        ``(x, y)`` in float32: ``x`` of shape ``(1, length, 1)`` (one sample, one
        feature per time step) and the target ``y`` of shape ``(1, length)``, the
        same numbers.

    Raises:
        TypeError: ``length`` is not an integer or ``step`` not a real number.
        ValueError: ``length`` is less than 1 or ``step`` is not finite.
    """
    length = positive_int("length", length)
    step = _finite_real("step", step)
    values = np.arange(length, dtype=np.float32) * np.float32(step)
    return values.reshape(1, length, 1), values.reshape(1, length)


def build_model(units: int = UNITS, *, length: int = LENGTH, seed: int = SEED) -> Any:
    """Build and compile the example's model, with weights initialised from ``seed``.

    ``keras.Input(shape=(length, 1))``, ``LSTM(units, activation="relu")`` named
    ``"lstm"``, ``Dense(length)`` named ``"dense"``; mean squared error and Adam.

    Args:
        units: the LSTM's units.
        length: the time steps of the input, and the Dense layer's outputs.
        seed: seeds Python, NumPy and the backend before the weights are drawn,
            so equal seeds give equal weights.

    Returns:
        The compiled ``keras.Sequential`` model.

    Raises:
        TypeError: an argument is not an integer.
        ValueError: ``units`` or ``length`` is less than 1, or ``seed`` negative.
    """
    units = positive_int("units", units)
    length = positive_int("length", length)
    seed = _seed(seed)
    import keras  # noqa: PLC0415  (lazy: importing TensorFlow takes seconds)
    from keras import layers  # noqa: PLC0415

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(length, 1)),
            layers.LSTM(units, activation="relu", name="lstm"),
            layers.Dense(length, name="dense"),
        ],
        name="memorise_sequence",
    )
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


def train(model: Any, x: Any, y: Any, *, steps: int = STEPS) -> list[float]:
    """Train ``model`` on the one sample ``(x, y)`` for ``steps`` optimiser steps.

    Every step sees the whole sample, as ``model.fit(x, y, epochs=steps,
    batch_size=1)`` would, and the weights come out the same; but the steps run in
    one ``fit`` call over a ``tf.data`` dataset that repeats the sample ``steps``
    times, read by one iterator from the first epoch to the last. That is several
    times faster: for NumPy arrays, Keras starts a new iterator over its input
    pipeline at every epoch, besides its other per-epoch work.

    Args:
        model: a compiled Keras model.
        x: the inputs, one sample: ``(1, timesteps, features)``.
        y: the targets, one sample: ``(1, outputs)``.
        steps: the number of optimiser steps.

    Returns:
        The loss of every step, as Python floats, in order.

    Raises:
        TypeError: ``model`` has no ``fit`` method, or ``x`` or ``y`` is not numeric.
        ValueError: ``steps`` is less than 1, or ``x`` or ``y`` is not one sample.
    """
    steps = positive_int("steps", steps)
    if not callable(getattr(model, "fit", None)):
        raise TypeError(f"model must be a compiled Keras model, got {describe(model)}")
    x = _one_sample("x", x, ndim=3)
    y = _one_sample("y", y, ndim=2)
    import tensorflow as tf  # noqa: PLC0415  (lazy: importing TensorFlow takes seconds)

    dataset = tf.data.Dataset.from_tensors((x, y)).repeat(steps)
    # One step per epoch, so History records the loss of every step, not a running mean.
    history = model.fit(dataset, epochs=steps, steps_per_epoch=1, shuffle=False, verbose=0)
    return [float(loss) for loss in history.history["loss"]]


# --- private helpers -------------------------------------------------------------


def _finite_real(name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _seed(value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"seed must be a non-negative integer, got {describe(value)}")
    if value < 0:
        raise ValueError(f"seed must be a non-negative integer, got {int(value)}")
    return int(value)


def _one_sample(name: str, value: Any, *, ndim: int) -> Float32Array:
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got {describe(value)}")
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got an array of dtype {array.dtype}")
    if array.ndim != ndim or array.shape[0] != 1:
        raise ValueError(
            f"{name} must be one sample of {ndim} dimensions, shape (1, ...), "
            f"got an array of shape {array.shape}"
        )
    return array.astype(np.float32)
