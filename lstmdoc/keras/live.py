"""Explain a live Keras model or layer, with Keras' own count beside each derivation.

Each layer's spec comes from ``layer.get_config()`` and ``get_build_config()``,
what a saved file would store, so a live model and its file are explained by the
same rules (:mod:`lstmdoc.keras.registry`). Keras itself is never imported here:
the model has imported it, and it is found in ``sys.modules``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lstmdoc._checks import first_line
from lstmdoc.counting.breakdowns import Weight
from lstmdoc.keras import optimizers, registry
from lstmdoc.report import ModelReport, OptimizerRow
from lstmdoc.report.rows import LayerRow
from lstmdoc.report.rules import Derivation, LayerNode, Spec
from lstmdoc.report.walk import walk_layer, walk_members

__all__ = ["explain_model"]


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
    node = _LiveLayer(keras, model)
    if isinstance(model, keras.Model):
        rows, notes, unshown = walk_members(node, registry.RULES)
    else:
        rows, notes, unshown = walk_layer(node, registry.RULES)
    return ModelReport(
        model=model.name,
        rows=tuple(rows),
        unshown=unshown,
        total_params=int(model.count_params()),
        optimizer=_optimizer(model, rows),
        notes=tuple(notes),
    )


# --- private helpers: a live Keras layer as the walk sees it -------------------------------


class _LiveLayer:
    """A live Keras layer: its spec from ``get_config()``, its count from Keras."""

    def __init__(self, keras: Any, layer: Any, spec: Spec | None = None) -> None:
        self._keras = keras
        self._layer = layer
        self._spec = spec

    @property
    def spec(self) -> Spec:
        if self._spec is None:
            self._spec = _spec(self._keras, self._layer)
        return self._spec

    @property
    def key(self) -> int:
        return id(self._layer)  # one layer in two places is one layer

    def weight_dtype(self, _name: str) -> None:
        return None  # derived from the layer's dtype policy, by its rule

    def weight_key(self, name: str) -> int | None:
        # A rule names a layer's weights by Keras' own short names (kernel, bias ...):
        # the layer's own first, else the one beneath it of that name (an LSTM's live
        # in its cell).
        for variables in (self._own_variables(), self._layer.weights):
            found = {id(v) for v in variables if str(v.name) == name}
            if found:
                return found.pop() if len(found) == 1 else None
        return None

    def framework_tensors(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        # Keras counts every variable once (count_params), and keeps no buffers.
        unique = {id(variable): _size(variable) for variable in self._layer.weights}
        return list(unique.items()), []

    def framework_params(self) -> int | None:
        return int(self._layer.count_params()) if self._layer.built else None

    def framework_buffers(self) -> None:
        return None  # Keras counts every variable of a layer among its parameters

    def sublayer(self, spec: Spec) -> LayerNode:
        for inner in self._layer._flatten_layers(include_self=False, recursive=True):
            if inner.name == spec.name:
                return _LiveLayer(self._keras, inner, spec)
        return _Detached(spec)

    def members(self) -> Sequence[LayerNode]:
        if isinstance(self._layer, self._keras.Model):
            inner = list(self._layer.layers)
        else:
            # Keras' Model.layers is this same list, for models; a layer has no
            # public name for the layers it tracks.
            inner = list(self._layer._flatten_layers(include_self=False, recursive=False))
        return [_LiveLayer(self._keras, layer) for layer in inner]

    def declared_weights(self) -> Sequence[Weight]:
        return [
            Weight(
                str(weight.name), _shape(weight), bool(weight.trainable), dtype=str(weight.dtype)
            )
            for weight in self._own_variables()
        ]

    def _own_variables(self) -> list[Any]:
        """The variables the layer creates itself, not those of the layers it holds."""
        tracked = {
            id(weight)
            for layer in self._layer._flatten_layers(include_self=False, recursive=True)
            for weight in layer.weights
        }
        return [weight for weight in self._layer.weights if id(weight) not in tracked]

    def declared_buffers(self) -> None:
        return None

    def added(self, derivation: Derivation) -> tuple[Sequence[Weight], Sequence[LayerNode]]:
        # A subclass's own weights beyond its base class's; the layers it holds are its
        # base class's (an LSTM's cell), derived with it.
        named = {weight.name for weight in derivation.weights}
        return [weight for weight in self.declared_weights() if weight.name not in named], ()

    def unknown_reason(self) -> str:
        return "lstmdoc could not look inside it"

    def output_shape(self) -> tuple[int | None, ...] | None:
        return _output_shape(self._layer)


class _Detached:
    """A layer a rule says is built inside another, where no live layer of that name is."""

    key = None

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def weight_dtype(self, _name: str) -> None:
        return None  # derived from the layer's dtype policy, by its rule

    def weight_key(self, _name: str) -> None:
        return None

    def framework_tensors(self) -> None:
        return None

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

    def added(self, _derivation: Derivation) -> tuple[Sequence[Weight], Sequence[LayerNode]]:
        return (), ()

    def unknown_reason(self) -> str:
        return "Keras holds no layer of this name to look inside"

    def output_shape(self) -> None:
        return None


def _spec(keras: Any, layer: Any) -> Spec:
    """The spec a file would store for ``layer``: its class, config and build config.

    A subclass of a Keras layer, such as keras-hub's ``ReversibleEmbedding`` of
    ``Embedding``, is derived by its base class's rule, and shown as both.
    """
    cls = type(layer)
    base = registry.base_class(cls)
    spec = Spec(class_name=cls.__name__, module=cls.__module__)
    if base is not None and base is not cls and not isinstance(layer, keras.Model):
        spec = Spec(
            class_name=base.__name__,
            module=base.__module__,
            label=f"{cls.__name__} ({base.__name__})",
            subclass=True,
        )
    plain = {"name": layer.name, "trainable": layer.trainable}
    if not registry.is_builtin(spec) or isinstance(layer, keras.Model):
        # A model or custom layer is explained through the layers it holds: its own
        # get_config() may not even exist.
        return replace(spec, config=plain)
    try:
        config, build = layer.get_config(), layer.get_build_config()
    except Exception as error:  # noqa: BLE001  (a wrapped custom layer's get_config may raise anything)
        reason = f"{type(error).__name__}: {first_line(error, limit=120)}"
        return replace(spec, config=plain, config_error=reason)
    policies = getattr(keras, "dtype_policies", None)
    if policies is not None and isinstance(layer.dtype_policy, policies.DTypePolicyMap):
        # A DTypePolicyMap (keras-hub's quantized models) holds each layer's policy by
        # its path, which no layer config holds: the live layer's own is the one it used.
        config = {**config, "dtype": policies.serialize(layer.dtype_policy[layer.path])}
    return replace(spec, config=config, build_config=build)


def _output_shape(layer: Any) -> tuple[int | None, ...] | None:
    """The layer's output shape as ``model.summary()`` finds it, where it is one tensor.

    As Keras' own summary does (``keras.src.utils.summary_utils.format_layer_shape``,
    read): the output of the layer's last call in a functional or Sequential
    model; else the shape ``compute_output_shape`` gives for the shapes it was built on.
    A layer with several outputs (an LSTM with ``return_state``) has none here.
    """
    nodes = getattr(layer, "_inbound_nodes", None) or ()
    try:
        if nodes:
            outputs = nodes[-1].output_tensors
            shapes = [tuple(output.shape) for output in outputs]
        else:
            built = getattr(layer, "_build_shapes_dict", None)
            if not built:
                return None
            computed = layer.compute_output_shape(**built)
            shapes = [tuple(computed)] if _is_shape(computed) else []
    except Exception:  # noqa: BLE001  (a custom layer's compute_output_shape may raise anything)
        return None
    if len(shapes) != 1 or not _is_shape(shapes[0]):
        return None
    return tuple(None if size is None else int(size) for size in shapes[0])


def _is_shape(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and all(
        size is None or (isinstance(size, int) and not isinstance(size, bool)) for size in value
    )


def _shape(variable: Any) -> tuple[int, ...]:
    return tuple(int(size) for size in variable.shape)


def _size(variable: Any) -> int:
    return math.prod(_shape(variable))


def _optimizer(model: Any, rows: Sequence[LayerRow]) -> OptimizerRow | None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return None
    spec = {
        "class_name": type(optimizer).__name__,
        "module": type(optimizer).__module__,
        "registered_name": None,
        "config": optimizer.get_config(),
    }
    counted = sum(_size(variable) for variable in optimizer.variables)
    return optimizers.optimizer_row(spec, rows, counted)
