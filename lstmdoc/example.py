"""The worked example of the site: an LSTM that memorises the sequence 0, 20, …, 380.

One sample of 20 time steps with one feature each, ``x`` of shape ``(1, 20, 1)``,
and the same 20 numbers as the target, ``y`` of shape ``(1, 20)``; the model is
``LSTM(20, activation="relu")`` then ``Dense(20)``, trained with mean squared error
and Adam for 1,500 optimiser steps.

The tutorial page spells this code out; the other pages call these functions so
that they train exactly the same model. :func:`trained_model` trains it once per
machine: it keeps the trained weights in a cache folder (:func:`cache_folder`) and
later calls load them, bit for bit the weights that training gives. Keras is
imported only when a function needs it, so ``import lstmdoc.example`` is cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import numbers
import os
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from lstmdoc._checks import describe, positive_int
from lstmdoc._types import Float32Array

__all__ = [
    "CACHE_VARIABLE",
    "LENGTH",
    "SEED",
    "STEP",
    "STEPS",
    "UNITS",
    "build_model",
    "cache_folder",
    "cached_weights_path",
    "save_trained",
    "sequence",
    "train",
    "trained_model",
]

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
#: The environment variable that names the folder of trained weights (see :func:`cache_folder`).
CACHE_VARIABLE = "LSTMDOC_CACHE_DIR"


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


def cache_folder() -> Path:
    """Return the folder where :func:`trained_model` keeps trained weights.

    The folder named by the environment variable ``LSTMDOC_CACHE_DIR`` where it is
    set (the site's build points it inside ``docs/_build``); otherwise the user's
    cache folder: ``$XDG_CACHE_HOME/lstmdoc`` or ``~/.cache/lstmdoc`` on Linux,
    ``~/Library/Caches/lstmdoc`` on macOS, ``%LOCALAPPDATA%\\lstmdoc\\Cache`` on
    Windows. The folder is not created here.
    """
    named = os.environ.get(CACHE_VARIABLE)
    if named:
        return Path(named)
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "lstmdoc" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "lstmdoc"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else home / ".cache") / "lstmdoc"


def cached_weights_path(*, seed: int = SEED, steps: int = STEPS) -> Path:
    """Return the file that holds the example's weights trained from ``seed`` for ``steps``.

    The name is a hash of everything the weights depend on: the seed, the steps,
    the example's sizes and optimiser, and the versions of lstmdoc, Keras and its
    backend (TensorFlow). Another version or setting reads another file, so a
    cached file is never used for weights that training would not give.

    Raises:
        TypeError: ``seed`` or ``steps`` is not an integer.
        ValueError: ``steps`` is less than 1, or ``seed`` negative.
    """
    key = json.dumps(_training_settings(_seed(seed), positive_int("steps", steps)), sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return cache_folder() / f"example-{digest}.npz"


def trained_model(*, seed: int = SEED, steps: int = STEPS) -> tuple[Any, list[float]]:
    """Return the example's model trained for ``steps`` from ``seed``, and its losses.

    Loads the weights from :func:`cached_weights_path` when that file exists;
    otherwise builds the model, trains it with :func:`train` and saves the weights
    there. Either way the weights are those that training gives, bit for bit.
    Processes that ask at the same time train once: the others wait for the
    first, then load its weights (where the system can lock a file, as Linux and
    macOS can; elsewhere each trains, and the last file written wins).

    Args:
        seed: the seed of the initial weights, as for :func:`build_model`.
        steps: the number of optimiser steps, as for :func:`train`.

    Returns:
        ``(model, losses)``: the compiled model with the trained weights, and the loss
        of every step. A loaded model's optimiser starts afresh: its state is not kept.

    Raises:
        TypeError: ``seed`` or ``steps`` is not an integer.
        ValueError: ``steps`` is less than 1, or ``seed`` negative.
    """
    path = cached_weights_path(seed=seed, steps=steps)
    model = build_model(seed=seed)
    cached = _load(path)
    if cached is None:
        with _lock(path):
            cached = _load(path)  # another process may have trained while we waited
            if cached is None:
                x, y = sequence()
                losses = train(model, x, y, steps=steps)
                _save(path, model.get_weights(), losses)
                return model, losses
    weights, losses = cached
    model.set_weights(weights)
    return model, losses


def save_trained(model: Any, losses: Any, *, seed: int = SEED) -> Path:
    """Save the weights of the example's model, trained in front of you, for :func:`trained_model`.

    The tutorial trains the model step by step; this keeps its weights, so that
    the other pages load them instead of training again. Only the example's model,
    built with ``seed`` and trained by one ``fit`` with the example's data for
    ``len(losses)`` steps from its initial weights, gives the weights that
    :func:`trained_model` promises: the shapes and the optimiser's step count are
    checked, the rest is up to the caller.

    Args:
        model: the example's compiled model after training.
        losses: the loss of every training step, as ``History`` records them.
        seed: the seed the model was built with.

    Returns:
        The file written.

    Raises:
        ValueError: the model's weights do not have the example's shapes, or its
            optimiser did not take ``len(losses)`` steps.
    """
    losses = [float(loss) for loss in losses]
    weights = [np.asarray(weight) for weight in model.get_weights()]
    expected = [
        (1, 4 * UNITS),
        (UNITS, 4 * UNITS),
        (4 * UNITS,),
        (UNITS, LENGTH),
        (LENGTH,),
    ]
    if [weight.shape for weight in weights] != expected:
        raise ValueError(
            "model must be the example's LSTM(20) and Dense(20), with weights of shapes "
            f"{expected}, got {[weight.shape for weight in weights]}"
        )
    taken = int(model.optimizer.iterations)
    if taken != len(losses):
        raise ValueError(
            f"the optimiser took {taken} steps, but there are {len(losses)} losses: "
            "save a model trained once, from its initial weights"
        )
    path = cached_weights_path(seed=seed, steps=len(losses))
    _save(path, weights, losses)
    return path


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


def _training_settings(seed: int, steps: int) -> dict[str, Any]:
    """Everything the trained weights depend on, for the name of their cache file."""
    import keras  # noqa: PLC0415  (lazy: importing TensorFlow takes seconds)

    backend = keras.backend.backend()
    try:
        backend_version = metadata.version("tensorflow" if backend == "tensorflow" else backend)
    except metadata.PackageNotFoundError:
        backend_version = "unknown"
    try:
        lstmdoc_version = metadata.version("lstmdoc")
    except metadata.PackageNotFoundError:
        lstmdoc_version = "unknown"
    return {
        "seed": seed,
        "steps": steps,
        "units": UNITS,
        "length": LENGTH,
        "step": STEP,
        "loss": "mean_squared_error",
        "optimizer": "adam",
        "lstmdoc": lstmdoc_version,
        "keras": keras.__version__,
        "backend": f"{backend} {backend_version}",
    }


def _load(path: Path) -> tuple[list[Float32Array], list[float]] | None:
    """The weights and losses saved at ``path``; None where there is no readable file."""
    try:
        with np.load(path) as saved:
            count = int(saved["count"])
            weights = [saved[f"weight_{index}"] for index in range(count)]
            losses = [float(loss) for loss in saved["losses"]]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # none, or not ours
        return None
    return weights, losses


def _save(path: Path, weights: list[Any], losses: list[float]) -> None:
    """Write the file at once or not at all: a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {f"weight_{i}": np.asarray(weight) for i, weight in enumerate(weights)}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, count=len(weights), losses=np.asarray(losses), **arrays)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s lock file, where the system has one."""
    try:
        import fcntl  # noqa: PLC0415  (POSIX only)
    except ImportError:  # Windows: no waiting; concurrent writers replace the file whole
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
