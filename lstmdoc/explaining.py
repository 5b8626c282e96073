"""Explain a Keras model's parameter count, layer by layer.

``model.summary()`` prints a number per layer; :func:`explain` prints where each
number comes from::

    >>> print(lstmdoc.explain(model))
    Model 'sequential': 2,180 parameters (2,180 trainable, 0 non-trainable)

      layer  class  formula                lstmdoc  trainable  non-trainable  Keras  check
      ------------------------------------------------------------------------------------
      lstm   LSTM   4 × 20 × (1 + 20 + 1)    1,760      1,760              0  1,760  ok
      dense  Dense  20 × (20 + 1)              420        420              0    420  ok
      ...

Each formula is derived from the layer's configuration (``units``, ``filters``,
``kernel_size`` ...) and the shape it was built on, never from its weights, by the
rules of :mod:`lstmdoc.keras_weights`, and set beside Keras' own count: a
disagreement is shown, not hidden. Layers built inside other layers (a
Bidirectional's two directions, an attention layer's projections, the layers of a
custom layer) are listed beneath them.

:func:`explain_file` explains a saved ``.keras`` file by the same rules, from its
``config.json``, without importing Keras or TensorFlow and without running anything
stored in the file. TensorFlow and Keras are imported by nothing here: a model
passed to :func:`explain` has imported them already.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lstmdoc import deriving, keras_files, keras_weights
from lstmdoc._checks import describe, is_torch_module
from lstmdoc.deriving import LayerNode
from lstmdoc.keras_weights import Spec
from lstmdoc.report import LayerRow, LayerWeight, ModelReport, OptimizerRow

__all__ = ["explain", "explain_file"]


def explain(model: Any) -> ModelReport:
    """Explain a built Keras model's, or a PyTorch module's, parameter count, layer by layer.

    Args:
        model: a built ``keras.Model`` (Sequential, functional or subclassed; nested
            models and custom layers are explained through the layers they hold), or
            a single built Keras layer; or a ``torch.nn.Module``, explained by
            ``lstmdoc.torch_explaining.explain_module``.

    Returns:
        A :class:`~lstmdoc.report.ModelReport`: one row per layer that owns weights,
        in model order, the layers inside each beneath it, the framework's total
        and, if a Keras model has a built optimizer, its variables.

    Raises:
        TypeError: ``model`` is neither a Keras model or layer nor a PyTorch module.
        ValueError: ``model`` is not built yet, so it has no weights to count.
    """
    keras = sys.modules.get("keras")  # a Keras model means Keras is imported already
    # Keras first: on Keras' PyTorch backend, every Keras layer is a torch.nn.Module too.
    if (keras is None or not isinstance(model, keras.layers.Layer)) and is_torch_module(model):
        from lstmdoc import torch_explaining  # noqa: PLC0415  (PyTorch's rules, when needed)

        return torch_explaining.explain_module(model)
    if keras is None or not isinstance(model, keras.layers.Layer):
        raise TypeError(
            "model must be a built Keras model or layer, or a torch.nn.Module, "
            f"got {describe(model)}"
        )
    if not model.built:
        kind = "model" if isinstance(model, keras.Model) else "layer"
        raise ValueError(
            f"model must be built, but {kind} {model.name!r} is not, so its weights do not exist "
            "yet: start it with keras.Input, as in keras.Sequential([keras.Input(shape=("
            f"timesteps, features)), ...]), or call {kind}.build(input_shape) first"
        )
    node = _LiveLayer(keras, model, set())
    if isinstance(model, keras.Model):
        rows, notes = deriving.walk_members(node, keras_weights.RULES)
    else:
        rows, notes = deriving.walk_layer(node, keras_weights.RULES)
    trainable = _sum_trainable(rows)
    return ModelReport(
        model=model.name,
        rows=tuple(rows),
        total_params=int(model.count_params()),
        optimizer=_live_optimizer(model, trainable),
        notes=tuple(notes),
    )


def explain_file(path: str | os.PathLike[str]) -> ModelReport:
    """Explain a model saved as ``.keras``, or a PyTorch ``state_dict`` saved as ``.pt``/``.pth``.

    A ``.pt`` or ``.pth`` file is read with ``torch.load(..., weights_only=True)``
    and explained by :func:`lstmdoc.explain_state_dict`; that needs PyTorch
    (``pip install "lstmdoc[torch]"``), and refuses a file that holds pickled code,
    such as a whole model saved with ``torch.save(model)``. The rest of this
    describes ``.keras`` files.

    The layers are derived from the archive's ``config.json`` by the same rules as
    a live model's. Keras' own counts are read from the sizes of the arrays in its
    ``model.weights.h5`` when h5py is installed. Neither Keras nor TensorFlow is
    imported, and nothing in the file is deserialized or run: a ``Lambda`` layer's
    code, or a custom class, never executes. A custom class is listed with the
    count stored for it and a note.

    Args:
        path: a ``.keras`` file, as written by ``model.save("model.keras")``.

    Returns:
        A :class:`~lstmdoc.report.ModelReport`, as :func:`explain` returns for the model.

    Raises:
        TypeError: ``path`` is not a string or path.
        ValueError: the file does not exist, is not a ``.keras`` archive (or a
            PyTorch file holding a ``state_dict``), is corrupt, or its configuration
            is not a Keras model's.
        ImportError: the file is a ``.pt``/``.pth`` file and PyTorch is not installed.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a path to a .keras file (or a PyTorch .pt/.pth), got {describe(path)}"
        )
    if Path(path).suffix in {".pt", ".pth"}:
        from lstmdoc import torch_explaining  # noqa: PLC0415  (PyTorch's rules, when needed)

        return torch_explaining.explain_checkpoint(Path(path))
    saved = keras_files.read(Path(path))
    config = saved.config
    node = keras_files.StoredLayer(
        config,
        saved.weights,
        "" if saved.weights is not None else None,
        saved.weights_note or "its count is the size of its arrays in the weights file",
    )
    try:
        if keras_weights.is_model(config):
            rows, notes = deriving.walk_members(node, keras_weights.RULES)
        else:
            rows, notes = deriving.walk_layer(node, keras_weights.RULES)
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
        raise ValueError(
            f"path {str(path)!r} holds a configuration lstmdoc cannot read: {error}"
        ) from None
    if saved.weights_note:
        notes.append(f"{saved.weights_note}.")
    model_config = config.get("config")
    name = model_config.get("name") if isinstance(model_config, dict) else None
    return ModelReport(
        model=str(name or config.get("class_name")),
        rows=tuple(rows),
        total_params=None if saved.weights is None else saved.weights.model_params,
        optimizer=_stored_optimizer(saved, _sum_trainable(rows)),
        source=str(path),
        notes=tuple(notes),
    )


# --- private helpers: a live Keras layer as the walk sees it -------------------------------


class _LiveLayer:
    """A live Keras layer: its spec from ``get_config()``, its count from Keras."""

    def __init__(self, keras: Any, layer: Any, seen: set[int], spec: Spec | None = None) -> None:
        self._keras = keras
        self._layer = layer
        self._seen = seen  # layers already explained: a shared layer's weights count once
        self._spec = spec
        self._members: list[LayerNode] | None = None

    @property
    def spec(self) -> Spec:
        if self._spec is None:
            self._spec = _live_spec(self._keras, self._layer)
        return self._spec

    def framework_params(self) -> int | None:
        return int(self._layer.count_params()) if self._layer.built else None

    def framework_buffers(self) -> None:
        return None  # Keras counts every variable of a layer among its parameters

    def sublayer(self, spec: Spec) -> LayerNode:
        config = spec.get("config")
        name = config.get("name") if isinstance(config, dict) else None
        for inner in self._layer._flatten_layers(include_self=False, recursive=True):
            if inner.name == name:
                return _LiveLayer(self._keras, inner, self._seen, spec)
        return _Detached(spec)

    def members(self) -> Sequence[LayerNode]:
        if self._members is None:
            if isinstance(self._layer, self._keras.Model):
                inner = list(self._layer.layers)
            else:
                # Keras' Model.layers is this same list, for models; a layer has no
                # public name for the layers it tracks.
                inner = list(self._layer._flatten_layers(include_self=False, recursive=False))
            self._members = []
            for layer in inner:
                if id(layer) not in self._seen:
                    self._seen.add(id(layer))
                    self._members.append(_LiveLayer(self._keras, layer, self._seen))
        return self._members

    def declared_weights(self) -> Sequence[LayerWeight]:
        tracked = {
            id(weight)
            for layer in self._layer._flatten_layers(include_self=False, recursive=True)
            for weight in layer.weights
        }
        return [
            LayerWeight(
                str(weight.name), tuple(int(size) for size in weight.shape), bool(weight.trainable)
            )
            for weight in self._layer.weights
            if id(weight) not in tracked
        ]

    def declared_buffers(self) -> None:
        return None

    def unknown_reason(self) -> str:
        return "lstmdoc could not look inside it"


class _Detached:
    """A layer a rule says is built inside another, where no live layer of that name is."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def framework_params(self) -> int | None:
        return None

    def framework_buffers(self) -> None:
        return None

    def sublayer(self, spec: Spec) -> LayerNode:
        return _Detached(spec)

    def members(self) -> Sequence[LayerNode] | None:
        return None

    def declared_weights(self) -> Sequence[LayerWeight] | None:
        return None

    def declared_buffers(self) -> None:
        return None

    def unknown_reason(self) -> str:
        return "Keras holds no layer of this name to look inside"


def _live_spec(keras: Any, layer: Any) -> Spec:
    """The spec a file would store for ``layer``: its class, config and build config."""
    cls = type(layer)
    spec: dict[str, Any] = {
        "class_name": cls.__name__,
        "module": cls.__module__,
        "registered_name": None,
    }
    if keras_weights.is_builtin(spec) and not isinstance(layer, keras.Model):
        try:
            spec["config"] = layer.get_config()
            spec["build_config"] = layer.get_build_config()
        except Exception as error:  # noqa: BLE001  (a wrapped custom layer's get_config may raise anything)
            spec["config"] = {"name": layer.name, "trainable": layer.trainable}
            spec["config_error"] = f"{type(error).__name__}: {_first_line(error)}"
    else:
        # A model or custom layer is explained through the layers it holds: its own
        # get_config() may not even exist.
        spec["config"] = {"name": layer.name, "trainable": layer.trainable}
    return spec


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else ""
    return text if len(text) <= 120 else text[:117] + "..."


def _sum_trainable(rows: Sequence[LayerRow]) -> int | None:
    total = 0
    for row in rows:
        if row.depth == 0:
            if row.trainable_params is None:
                return None
            total += row.trainable_params
    return total


def _live_optimizer(model: Any, trainable: int | None) -> OptimizerRow | None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return None
    spec = {
        "class_name": type(optimizer).__name__,
        "module": type(optimizer).__module__,
        "registered_name": None,
        "config": optimizer.get_config(),
    }
    counted = sum(
        math.prod(int(size) for size in variable.shape) for variable in optimizer.variables
    )
    formula, count, explanation = keras_weights.derive_optimizer(spec, trainable)
    return OptimizerRow(type(optimizer).__name__, formula, count, counted, explanation)


def _stored_optimizer(saved: keras_files.SavedModel, trainable: int | None) -> OptimizerRow | None:
    """The optimizer of a file saved after training: its config, and its stored variables."""
    compiled = saved.config.get("compile_config")
    spec = compiled.get("optimizer") if isinstance(compiled, dict) else None
    if saved.weights is None or not isinstance(spec, dict):
        return None
    stored = saved.weights.size("optimizer")
    formula, count, explanation = keras_weights.derive_optimizer(spec, trainable)
    _, counters, _ = keras_weights.derive_optimizer(spec, 0)
    if not stored or (stored == counters and count != counters):
        # Compiled but never built: Keras stores only the counters an optimizer makes
        # when created, and, like model.summary(), lstmdoc shows no optimizer line.
        return None
    return OptimizerRow(str(spec.get("class_name")), formula, count, stored, explanation)
