"""A layer of a saved Keras model, as the walk sees it: its spec, and its group of arrays.

A layer's spec comes from the file's configuration; Keras' own count for it is the
number of values stored in its group of the weights file (:mod:`lstmdoc.keras.weights`),
found by the layer's name. A layer of a custom class is never imported or run:
where the weights file holds groups beneath its own (keras-hub's
``layers/transformer_layer_0/self_attention/query``), those are shown as the rows
beneath it, each with the shapes of the arrays stored in it, as the live model shows
the layers a custom layer holds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.keras import registry
from lstmdoc.keras.specs import spec_of
from lstmdoc.keras.weights import WeightsFile
from lstmdoc.report.rules import Derivation, LayerNode, Spec

__all__ = ["STORED_CLASS", "StoredLayer", "built_as_stored", "recognise"]

STORED_CLASS = "stored arrays"
"""The class column of a group of a custom layer, whose class the weights file does not name."""


@dataclass(frozen=True)
class StoredLayer:
    """A layer of a saved model: its spec from the configuration, its group in the weights.

    Attributes:
        spec: the layer's spec.
        weights: the weights file's index, or ``None`` where it was not read.
        group: the path of the layer's group in the weights file, or ``None``.
        reason: why a custom class is not derived, for its note.
        inside_custom: whether the spec was read from the weights file alone,
            beneath a custom layer, and so names no class.
        customs: shared by every node of one file: the custom layers shown through
            the groups stored beneath them, for the report's note.
    """

    spec: Spec
    weights: WeightsFile | None
    group: str | None
    reason: str
    inside_custom: bool = False
    customs: list[str] = field(default_factory=list, compare=False)

    @property
    def key(self) -> str | None:
        """The layer's group in the weights file: a layer held in two places is stored once."""
        return self.group or None

    def weight_dtype(self, _name: str) -> None:
        return None  # derived from the layer's dtype policy, by its rule

    def weight_key(self, _name: str) -> None:
        """Not known: a file's arrays are told apart by their layer's group alone."""
        return

    def framework_tensors(self) -> None:
        """Not known: the sizes stored for each layer's group are used as they are."""
        return

    def framework_params(self) -> int | None:
        """The values Keras counts for this layer once loaded, or ``None`` if not read.

        Those it stored, and its LoRA factors, which Keras does not store but makes anew.
        """
        if self.weights is None or self.group is None:
            return None
        if self.group == self.weights.root:  # the file's root: the model itself
            return self.weights.model_params + registry.unsaved(self.spec)
        return self.weights.size(self.group) + registry.unsaved(self.spec)

    def framework_buffers(self) -> None:
        """Keras stores no buffers: every array of a layer is among its parameters."""
        return

    def sublayer(self, spec: Spec) -> LayerNode:
        """The layer ``spec`` built inside this one, found by name in the weights file."""
        group = None
        if self.weights is not None and self.group is not None:
            group = self.weights.find(self.group, spec.name)
            if group is not None and spec.build_config is None:
                spec = built_as_stored(spec, self.weights.shapes_beneath(group))
        return StoredLayer(spec, self.weights, group, self.reason, customs=self.customs)

    def members(self) -> Sequence[LayerNode] | None:
        """A model's layers, from its configuration; a custom layer's groups, from the weights."""
        if registry.is_model(self.spec) and not self.inside_custom:
            layers = self.spec.config.get("layers")
            if not isinstance(layers, list):
                # A malformed file is a bad value, whatever part of it is malformed.
                raise ValueError(f"model {self.spec.name!r} has no list of layers in its config")
            return [self.sublayer(spec_of(layer)) for layer in layers]
        if self.weights is None or self.group is None or not self._groups_or_arrays():
            return None
        if not self.inside_custom:
            self.customs.append(
                f"{self.spec.name} ({self.spec.registered_name or self.spec.class_name})"
            )
        paths = self._inner_groups(self.group)
        if self.group == "" and not self.weights.root:  # a weights file's optimizer is no layer
            paths = [path for path in paths if path != "optimizer"]
        return [self._stored(path) for path in paths]

    def declared_weights(self) -> Sequence[Weight] | None:
        """The arrays stored in a custom layer's own group, by their stored names and shapes.

        Keras' weights file records no variable's name or trainability: each is named
        by its place (``vars/0``) and shown as trainable.
        """
        if self.members() is None or (registry.is_model(self.spec) and not self.inside_custom):
            return None
        assert self.weights is not None
        arrays = self.weights.arrays.get(str(self.group), ())
        return [Weight(f"vars/{name}", shape, True) for name, shape in arrays]

    def declared_buffers(self) -> None:
        """Keras layers keep no buffers apart from their weights."""
        return

    def added(self, _derivation: Derivation) -> tuple[Sequence[Weight], Sequence[LayerNode]]:
        """Nothing: a file names no subclass's base class."""
        return (), ()

    def output_shape(self) -> None:
        """Not shown for a file: its layers are not run."""
        return

    def unknown_reason(self) -> str:
        """Why a custom class in a file is not derived."""
        if self.inside_custom:
            return "a layer a custom class builds, whose class the weights file does not name"
        registered = self.spec.registered_name
        known_as = f" ({registered})" if registered not in (None, self.spec.class_name) else ""
        return f"a custom class{known_as} whose code lstmdoc never runs; {self.reason}"

    def _groups_or_arrays(self) -> bool:
        assert self.weights is not None
        group = str(self.group)
        return bool(self.weights.children.get(group) or self.weights.arrays.get(group))

    def _inner_groups(self, group: str) -> list[str]:
        """The groups of the layers beneath ``group``: a ``layers`` list's, in its place."""
        assert self.weights is not None
        paths = []
        for key in self.weights.children.get(group, ()):
            path = f"{group}/{key}" if group else key
            if key == "layers" and path not in self.weights.named:  # a tracked list of layers
                paths += [f"{path}/{inner}" for inner in self.weights.children.get(path, ())]
            else:
                paths.append(path)
        return paths

    def _stored(self, path: str) -> StoredLayer:
        """The group at ``path``, as the layer its arrays' shapes show, or of no known class."""
        assert self.weights is not None
        key = path.rsplit("/", 1)[-1]
        name = self.weights.named.get(path, key)
        arrays = self.weights.arrays.get(path, ())
        spec = None if self.weights.children.get(path) else recognise(key, arrays)
        spec = spec or Spec(class_name=STORED_CLASS)
        spec = replace(spec, config={**spec.config, "name": name})
        return StoredLayer(spec, self.weights, path, self.reason, True, self.customs)


def built_as_stored(spec: Spec, stored: Sequence[tuple[int, ...]]) -> Spec:
    """``spec`` built on the input whose features make its rule create the ``stored`` shapes.

    Keras 2's ``.h5`` format records no layer's input shape. Most rules need only
    its last axis (a ``Dense``'s features, a convolution's channels): each size
    found in the stored shapes is tried there, on inputs of rank 2 to 5, and kept
    only if the rule then creates exactly the arrays stored, as a ``state_dict``'s
    class is kept only if its rule creates exactly its tensors.
    """
    if not stored or not registry.is_builtin(spec) or registry.is_model(spec):
        return spec
    wanted = Counter(stored)
    for rank in range(2, 6):
        for features in sorted({size for shape in stored for size in shape}):
            candidate = replace(
                spec, build_config={"input_shape": [None] * (rank - 1) + [features]}
            )
            if Counter(_shapes_of(candidate)) == wanted:
                return candidate
    return spec


def _shapes_of(spec: Spec, depth: int = 0) -> list[tuple[int, ...]]:
    """The shapes of every weight ``spec``'s rule creates, and those of the layers it builds."""
    derived = registry.derive(spec)
    if not isinstance(derived, Derivation) or depth > 8:
        return [(-1,)]  # matches no stored shape
    shapes = [weight.shape for weight in derived.weights]
    for child in derived.children:
        shapes += _shapes_of(child, depth + 1)
    return shapes


def recognise(key: str, arrays: Sequence[tuple[str, tuple[int, ...]]]) -> Spec | None:
    """The Keras layer a group's key and arrays' shapes show, as a spec its rule derives.

    Keras names a layer's group after the attribute that holds it
    (``_feedforward_intermediate_dense``) or, in a list of layers, after its class
    (``layer_normalization_1``). Where that name ends as one of Keras' layers does,
    and the arrays have exactly the shapes that layer creates (``kernel``
    ``(features, units)`` and ``bias`` ``(units,)`` for a ``Dense``), the group is
    that layer, built on those features; its count is then derived by the same rule
    as a live layer's, and checked against the arrays stored.
    """
    stem = _SUFFIX.sub("", key.lstrip("_"))
    shapes = [shape for _, shape in arrays]
    for ending, (class_name, read) in _RECOGNISED.items():
        if stem == ending or stem.endswith(f"_{ending}"):
            found = read(shapes)
            if found is not None:
                config, input_shape = found
                return Spec(
                    class_name=class_name,
                    module="keras.layers",
                    config=config,
                    build_config={"input_shape": [None, *input_shape]},
                    label=f"{class_name} (from its arrays)",
                )
    return None


_SUFFIX = re.compile(r"_\d+$")
_Found = tuple[dict[str, Any], tuple[int, ...]] | None


def _dense(shapes: list[tuple[int, ...]]) -> _Found:
    if len(shapes) in (1, 2) and len(shapes[0]) == 2 and shapes[1:] in ([], [(shapes[0][1],)]):
        features, units = shapes[0]
        return {"units": units, "use_bias": len(shapes) == 2}, (features,)
    return None


def _embedding(shapes: list[tuple[int, ...]]) -> _Found:
    if len(shapes) == 1 and len(shapes[0]) == 2:
        rows, columns = shapes[0]
        return {"input_dim": rows, "output_dim": columns}, (1,)
    return None


def _layer_normalization(shapes: list[tuple[int, ...]]) -> _Found:
    if len(shapes) == 2 and shapes[0] == shapes[1] and len(shapes[0]) == 1:
        return {"axis": -1, "center": True, "scale": True}, shapes[0]
    return None


def _batch_normalization(shapes: list[tuple[int, ...]]) -> _Found:
    if len(shapes) == 4 and len(set(shapes)) == 1 and len(shapes[0]) == 1:
        return {"axis": -1, "center": True, "scale": True}, shapes[0]
    return None


_RECOGNISED = {
    "dense": ("Dense", _dense),
    "embedding": ("Embedding", _embedding),
    "layer_normalization": ("LayerNormalization", _layer_normalization),
    "layer_norm": ("LayerNormalization", _layer_normalization),
    "batch_normalization": ("BatchNormalization", _batch_normalization),
}
