"""Read a ``.keras`` file as data: its configuration, and the shapes of its stored arrays.

A ``.keras`` file is a zip archive with ``config.json`` (the model's configuration,
every layer with the input shape it was built on) and ``model.weights.h5`` (the
arrays, one HDF5 group per layer). lstmdoc reads the JSON with Python's ``json`` and, if
h5py is installed, the arrays' *shapes* with h5py: nothing from the file is ever
imported, deserialized or run, and neither Keras nor TensorFlow is imported.

Each layer's group in the weights file carries the layer's name, so the arrays
Keras stored for a layer (what ``layer.count_params()`` counted when the model was
saved) are found by name and set beside lstmdoc's derivation.
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lstmdoc._checks import first_line
from lstmdoc.counting.breakdowns import Weight
from lstmdoc.keras import optimizers, registry
from lstmdoc.keras.live import trainable_total
from lstmdoc.keras.specs import spec_of
from lstmdoc.report import ModelReport, OptimizerRow
from lstmdoc.report.rules import Derivation, LayerNode, Spec
from lstmdoc.report.walk import walk_layer, walk_members

__all__ = ["SavedModel", "StoredLayer", "WeightsFile", "explain_keras_file", "read"]

CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
MAX_CONFIG_BYTES = 64 * 2**20  # a model's configuration is kilobytes; refuse to inflate more
_MAX_GROUPS = 200_000  # a bound on the weights file's groups, against malformed files


@dataclass(frozen=True)
class WeightsFile:
    """The groups of a ``model.weights.h5``: each layer's name, and the sizes stored beneath.

    Attributes:
        names: each layer group's path, such as ``"layers/dense"``, by the layer's
            name recorded in the group (``vars`` attribute ``name``).
        sizes: for each group path, the number of values in the arrays beneath it.
    """

    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sizes: Mapping[str, int] = field(default_factory=dict)

    def find(self, parent: str, name: str) -> str | None:
        """The path of the group of the layer ``name`` beneath ``parent``, the shallowest."""
        prefix = f"{parent}/" if parent else ""
        found = [path for path in self.names.get(name, ()) if path.startswith(prefix)]
        return min(found, key=lambda path: path.count("/")) if found else None

    def size(self, path: str) -> int:
        """The number of values stored beneath ``path``."""
        return self.sizes.get(path, 0)

    @property
    def model_params(self) -> int:
        """The values stored for the model: everything but the optimizer's variables."""
        return sum(self.sizes.get(top, 0) for top in self._tops() if top != "optimizer")

    def _tops(self) -> list[str]:
        return [path for path in self.sizes if "/" not in path]


@dataclass(frozen=True)
class SavedModel:
    """A ``.keras`` file, read as data.

    Attributes:
        path: the file.
        config: its ``config.json``: the model as Keras serialized it.
        weights: the groups of its weights file, or ``None`` where they were not read.
        weights_note: why the weights file was not read, or ``None``.
    """

    path: Path
    config: Mapping[str, Any]
    weights: WeightsFile | None
    weights_note: str | None


@dataclass(frozen=True)
class StoredLayer:
    """A layer of a saved model: its spec from ``config.json``, its group in the weights."""

    spec: Spec
    weights: WeightsFile | None
    group: str | None
    reason: str

    @property
    def key(self) -> str | None:
        """The layer's group in the weights file: a layer held in two places is stored once."""
        return self.group or None

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
        # Keras saves no LoRA factors, and makes them anew when it loads the file.
        if not self.group:  # the file's root: the model itself
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
        return StoredLayer(spec, self.weights, group, self.reason)

    def members(self) -> Sequence[LayerNode] | None:
        """A model's layers, from its configuration; ``None`` for any other class."""
        if not registry.is_model(self.spec):
            return None
        layers = self.spec.config.get("layers")
        if not isinstance(layers, list):
            # A malformed file is a bad value, whatever part of it is malformed.
            raise ValueError(f"model {self.spec.name!r} has no list of layers in its config")  # noqa: TRY004
        return [self.sublayer(spec_of(layer)) for layer in layers]

    def declared_weights(self) -> Sequence[Weight] | None:
        """Not known: a file's custom layers are never run, so their weights are not seen."""
        return None

    def declared_buffers(self) -> None:
        """Keras layers keep no buffers apart from their weights."""
        return

    def added(self, _derivation: Derivation) -> tuple[Sequence[Weight], Sequence[LayerNode]]:
        """Nothing: a file names no subclass's base class."""
        return (), ()

    def unknown_reason(self) -> str:
        """Why a custom class in a file is not derived."""
        registered = self.spec.registered_name
        known_as = f" ({registered})" if registered not in (None, self.spec.class_name) else ""
        return f"a custom class{known_as} whose code lstmdoc never runs; {self.reason}"


def read(path: Path) -> SavedModel:
    """Read a ``.keras`` archive's configuration and the shapes in its weights file.

    Raises:
        ValueError: the path is missing, a directory, not a ``.keras`` zip archive,
            corrupt, or holds no readable ``config.json``.
    """
    if not path.exists():
        raise ValueError(f"path {str(path)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a directory, expected a .keras file")
    if path.suffix != ".keras":
        raise ValueError(
            f"path {str(path)!r} must be a .keras file, as written by model.save('model.keras'), "
            "or a PyTorch state_dict saved as .pt or .pth, "
            f"got a file ending in {path.suffix or 'no suffix'!r}"
        )
    try:
        if not zipfile.is_zipfile(path):
            raise ValueError(
                f"path {str(path)!r} is not a Keras model: it is not a .keras (zip) archive"
            )
        with zipfile.ZipFile(path) as archive:
            config = _read_config(path, archive)
            weights, note = _read_weights(archive)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as error:
        raise ValueError(f"path {str(path)!r} is a corrupt archive: {first_line(error)}") from None
    return SavedModel(path, config, weights, note)


def explain_keras_file(path: Path) -> ModelReport:
    """Explain a ``.keras`` file from its configuration, with the sizes stored in its weights.

    See :func:`lstmdoc.explain_file`.
    """
    saved = read(path)
    config = saved.config
    node = StoredLayer(
        spec_of(config),
        saved.weights,
        "" if saved.weights is not None else None,
        saved.weights_note or "its count is the size of its arrays in the weights file",
    )
    try:
        if registry.is_model(node.spec):
            rows, notes = walk_members(node, registry.RULES)
        else:
            rows, notes = walk_layer(node, registry.RULES)
        unsaved = registry.unsaved(node.spec) if saved.weights is not None else 0
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
        raise ValueError(
            f"path {str(path)!r} holds a configuration lstmdoc cannot read: {error}"
        ) from None
    if saved.weights_note:
        notes.append(f"{saved.weights_note}.")
    if unsaved and saved.weights is not None:
        notes.append(
            "Keras saves no LoRA factors: it merges them into the kernel when it saves, and "
            f"makes them anew, as zeros, when it loads; Keras' counts add their {unsaved:,} "
            f"values to the {saved.weights.model_params:,} the file stores."
        )
    model_config = config.get("config")
    name = model_config.get("name") if isinstance(model_config, dict) else None
    return ModelReport(
        model=str(name or config.get("class_name")),
        rows=tuple(rows),
        total_params=None if saved.weights is None else saved.weights.model_params + unsaved,
        optimizer=_stored_optimizer(saved, trainable_total(rows)),
        source=str(path),
        notes=tuple(notes),
    )


def shape_size(shape: Any) -> int:
    """The number of values in an array of ``shape`` (0 for HDF5's empty dataspace)."""
    return 0 if shape is None else math.prod(int(size) for size in shape)


# --- private helpers --------------------------------------------------------------------


def _read_config(path: Path, archive: zipfile.ZipFile) -> Mapping[str, Any]:
    try:
        info = archive.getinfo(CONFIG)
    except KeyError:
        raise ValueError(
            f"path {str(path)!r} is not a Keras model: the archive has no {CONFIG}"
        ) from None
    if info.file_size > MAX_CONFIG_BYTES:
        raise ValueError(
            f"path {str(path)!r} has a {CONFIG} of {info.file_size:,} bytes, more than "
            f"lstmdoc reads ({MAX_CONFIG_BYTES:,})"
        )
    try:
        config = json.loads(archive.read(info))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"path {str(path)!r} is a corrupt Keras model: its {CONFIG} is not JSON ({error})"
        ) from None
    except RecursionError:
        raise ValueError(f"path {str(path)!r} has a {CONFIG} nested too deeply to read") from None
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(  # noqa: TRY004  (the file is a bad value, as in every check above)
            f"path {str(path)!r} is not a Keras model: its {CONFIG} is not a serialized "
            "model (a dictionary with a class_name)"
        )
    return config


def _read_weights(archive: zipfile.ZipFile) -> tuple[WeightsFile | None, str | None]:
    """Index the weights file's groups with h5py, reading shapes and names, never values."""
    if WEIGHTS not in archive.namelist():
        return None, f"the archive has no {WEIGHTS}, so Keras' counts are not shown"
    try:
        import h5py  # noqa: PLC0415  (optional, and slow to import: only for saved files)
    except ImportError:
        return None, (
            f"h5py is not installed, so Keras' counts were not read from {WEIGHTS}: "
            "pip install h5py (or lstmdoc[files]) to check the derivations against them"
        )
    names: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    try:
        with archive.open(WEIGHTS) as stream, h5py.File(stream, "r") as weights:
            _index(h5py, weights, "", names, sizes, [0])
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        return (
            None,
            f"its {WEIGHTS} could not be read ({first_line(error)}), so Keras' counts are not shown",
        )
    return WeightsFile({name: tuple(paths) for name, paths in names.items()}, sizes), None


def _index(
    h5py: Any,
    group: Any,
    path: str,
    names: dict[str, list[str]],
    sizes: dict[str, int],
    seen: list[int],
) -> int:
    """Record each group's layer name and stored size; return the size beneath ``group``."""
    total = 0
    for key in group:
        seen[0] += 1
        if seen[0] > _MAX_GROUPS or path.count("/") > 64:
            raise ValueError("the weights file has more groups than a Keras model writes")
        # Only hard links: a soft or external link could point anywhere, even at
        # another file, and a saved model never writes one.
        if not isinstance(group.get(key, getlink=True), h5py.HardLink):
            continue
        item = group.get(key)
        child = f"{path}/{key}" if path else str(key)
        if isinstance(item, h5py.Dataset):
            total += shape_size(item.shape)
        elif isinstance(item, h5py.Group):
            size = _index(h5py, item, child, names, sizes, seen)
            sizes[child] = size
            total += size
            if key == "vars":
                name = item.attrs.get("name")
                if isinstance(name, bytes):
                    name = name.decode("utf-8", "replace")
                if isinstance(name, str):
                    names.setdefault(name, []).append(path)
    return total


def _stored_optimizer(saved: SavedModel, trainable: int | None) -> OptimizerRow | None:
    """The optimizer of a file saved after training: its config, and its stored variables."""
    compiled = saved.config.get("compile_config")
    spec = compiled.get("optimizer") if isinstance(compiled, dict) else None
    if saved.weights is None or not isinstance(spec, dict):
        return None
    stored = saved.weights.size("optimizer")
    formula, count, explanation = optimizers.derive_optimizer(spec, trainable)
    _, counters, _ = optimizers.derive_optimizer(spec, 0)
    if not stored or (stored == counters and count != counters):
        # Compiled but never built: Keras stores only the counters an optimizer makes
        # when created, and, like model.summary(), lstmdoc shows no optimizer line.
        return None
    return OptimizerRow(str(spec.get("class_name")), formula, count, stored, explanation)
