"""Explain a live Keras model or layer, with Keras' own count beside each derivation.

Each layer's spec comes from ``layer.get_config()`` and ``get_build_config()``,
what a saved file would store, so a live model and its file are explained by the
same rules (:mod:`lstmdoc.keras.registry`). Keras itself is never imported here:
the model has imported it, and it is found in ``sys.modules``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from lstmdoc._checks import first_line
from lstmdoc.counting.breakdowns import Weight
from lstmdoc.keras import optimizers, registry
from lstmdoc.report import ModelReport, OptimizerRow
from lstmdoc.report.rows import LayerRow, total
from lstmdoc.report.walk import LayerNode, Spec, walk_layer, walk_members

__all__ = ["explain_model", "trainable_total"]


def explain_model(keras: Any, model: Any) -> ModelReport:
    """Explain a built Keras model, or a single built layer, layer by layer.

    Args:
        keras: the ``keras`` module the model belongs to.
        model: a built ``keras.Model`` or ``keras.layers.Layer``.

    Raises:
        ValueError: ``model`` is not built yet, so it has no weights to count.
    """
    if not model.built:
        kind = "model" if isinstance(model, keras.Model) else "layer"
        raise ValueError(
            f"model must be built, but {kind} {model.name!r} is not, so its weights do not exist "
            "yet: start it with keras.Input, as in keras.Sequential([keras.Input(shape=("
            f"timesteps, features)), ...]), or call {kind}.build(input_shape) first"
        )
    node = _LiveLayer(keras, model, set())
    if isinstance(model, keras.Model):
        rows, notes = walk_members(node, registry.RULES)
    else:
        rows, notes = walk_layer(node, registry.RULES)
    return ModelReport(
        model=model.name,
        rows=tuple(rows),
        total_params=int(model.count_params()),
        optimizer=_optimizer(model, trainable_total(rows)),
        notes=tuple(notes),
    )


def trainable_total(rows: Sequence[LayerRow]) -> int | None:
    """The trainable parameters of the model's own layers, or ``None`` if one is unknown."""
    return total(row.trainable_params for row in rows if row.depth == 0)


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
            self._spec = _spec(self._keras, self._layer)
        return self._spec

    def framework_params(self) -> int | None:
        return int(self._layer.count_params()) if self._layer.built else None

    def framework_buffers(self) -> None:
        return None  # Keras counts every variable of a layer among its parameters

    def sublayer(self, spec: Spec) -> LayerNode:
        for inner in self._layer._flatten_layers(include_self=False, recursive=True):
            if inner.name == spec.name:
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

    def declared_weights(self) -> Sequence[Weight]:
        tracked = {
            id(weight)
            for layer in self._layer._flatten_layers(include_self=False, recursive=True)
            for weight in layer.weights
        }
        return [
            Weight(
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

    def declared_weights(self) -> Sequence[Weight] | None:
        return None

    def declared_buffers(self) -> None:
        return None

    def unknown_reason(self) -> str:
        return "Keras holds no layer of this name to look inside"


def _spec(keras: Any, layer: Any) -> Spec:
    """The spec a file would store for ``layer``: its class, config and build config."""
    cls = type(layer)
    spec = Spec(class_name=cls.__name__, module=cls.__module__)
    plain = {"name": layer.name, "trainable": layer.trainable}
    if not registry.is_builtin(spec) or isinstance(layer, keras.Model):
        # A model or custom layer is explained through the layers it holds: its own
        # get_config() may not even exist.
        return Spec(class_name=spec.class_name, module=spec.module, config=plain)
    try:
        config, build = layer.get_config(), layer.get_build_config()
    except Exception as error:  # noqa: BLE001  (a wrapped custom layer's get_config may raise anything)
        reason = f"{type(error).__name__}: {first_line(error, limit=120)}"
        return Spec(
            class_name=spec.class_name, module=spec.module, config=plain, config_error=reason
        )
    return Spec(class_name=spec.class_name, module=spec.module, config=config, build_config=build)


def _optimizer(model: Any, trainable: int | None) -> OptimizerRow | None:
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
    formula, count, explanation = optimizers.derive_optimizer(spec, trainable)
    return OptimizerRow(type(optimizer).__name__, formula, count, counted, explanation)
