"""Read a saved Keras model as data: its configuration, and the shapes of its stored arrays.

Three kinds of file, each told by its content (:func:`lstmdoc.formats.kind`):

- a ``.keras`` file (``model.save("model.keras")``): a zip archive with ``config.json``
  (the model's configuration, every layer with the input shape it was built on) and
  ``model.weights.h5`` (the arrays, one HDF5 group per layer);
- Keras 2's HDF5 model (``model.save("model.h5")``): the configuration in the root's
  ``model_config`` attribute and the arrays under ``model_weights``, one group per
  layer, by its name;
- a weights file (``model.save_weights("model.weights.h5")``): the arrays alone.

lstmdoc reads the JSON with Python's ``json`` and, if h5py is installed, the arrays'
*shapes* with h5py (:mod:`lstmdoc.keras.weights`): nothing from the file is ever
imported, deserialized or run, and neither Keras nor TensorFlow is imported. A
``.keras`` file's weights, stored uncompressed, are read in place in the archive
(:func:`lstmdoc.formats.member_in_place`): only their metadata, never the weights
themselves, so the time does not grow with the model's size.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from lstmdoc._checks import first_line, shown
from lstmdoc.formats import (
    MAX_METADATA_BYTES,
    UnreadableFile,
    describe_path,
    member_in_place,
    open_regular,
    read_bounded,
)
from lstmdoc.keras import optimizers, registry
from lstmdoc.keras.specs import spec_of
from lstmdoc.keras.stored import StoredLayer
from lstmdoc.keras.weights import WeightsFile, index, shape_size
from lstmdoc.report import ModelReport, OptimizerRow
from lstmdoc.report.rows import LayerRow
from lstmdoc.report.rules import Spec
from lstmdoc.report.walk import walk_layer, walk_members

__all__ = [
    "CONFIG",
    "WEIGHTS",
    "SavedModel",
    "explain_h5_file",
    "explain_keras_file",
    "read",
    "shape_size",
]

CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
MAX_CONFIG_BYTES = MAX_METADATA_BYTES
MAX_INFLATED_WEIGHTS = 256 * 2**20
"""The most lstmdoc inflates of a weights file stored compressed (Keras never does)."""

_RESAVE = "re-save it as .keras (keras.saving.load_model(path).save('model.keras'))"


@dataclass(frozen=True)
class SavedModel:
    """A saved Keras model, read as data.

    Attributes:
        path: the file.
        config: its configuration: the model as Keras serialized it, or ``None``
            for a weights file.
        weights: the groups of its weights, or ``None`` where they were not read.
        weights_note: why the weights were not read, or ``None``.
    """

    path: Path
    config: Mapping[str, Any] | None
    weights: WeightsFile | None
    weights_note: str | None


def read(path: Path) -> SavedModel:
    """Read a ``.keras`` archive's configuration and the shapes in its weights file.

    Raises:
        ValueError: the path is missing, not a regular file, not a ``.keras`` zip
            archive, corrupt, or holds no readable ``config.json``.
    """
    with open_regular(path) as stream:
        if not stream.read(4).startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise UnreadableFile(
                f"path {describe_path(path)} is not a Keras model: it is not a .keras (zip) archive"
            )
        try:
            with zipfile.ZipFile(stream) as archive:
                config = _read_config(path, archive)
                weights, note = _read_weights(stream, archive)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as error:
            if isinstance(error, UnreadableFile) or str(error).startswith("path "):
                raise
            raise UnreadableFile(
                f"path {describe_path(path)} is a corrupt archive: {shown(first_line(error))}"
            ) from None
    return SavedModel(path, config, weights, note)


def explain_keras_file(path: Path) -> ModelReport:
    """Explain a ``.keras`` file from its configuration, with the sizes stored in its weights.

    See :func:`lstmdoc.explain_file`.
    """
    return _explain(read(path))


def explain_h5_file(path: Path) -> ModelReport:
    """Explain Keras 2's HDF5 model (``model.h5``) or a weights file (``model.weights.h5``).

    A model's configuration is read from the root's ``model_config`` attribute and
    its arrays' shapes from ``model_weights``; a weights file holds no configuration,
    and each layer is listed with the arrays stored for it.

    Raises:
        ImportError: h5py is not installed: an HDF5 file cannot be read without it.
        ValueError: the file is not one Keras writes, or is corrupt.
    """
    try:
        import h5py  # noqa: PLC0415  (optional, and slow to import: only for saved files)
    except ImportError:
        raise ImportError(
            f"reading the HDF5 file {shown(path.name)!r} needs h5py, which is not installed: "
            'pip install "lstmdoc[files]"'
        ) from None
    with open_regular(path) as stream:
        try:
            with h5py.File(stream, "r") as opened:
                saved = _read_h5(h5py, path, opened)
        except (OSError, KeyError, TypeError, RuntimeError, RecursionError) as error:
            raise UnreadableFile(
                f"path {describe_path(path)} is not an HDF5 file Keras writes: "
                f"{shown(first_line(error))}"
            ) from None
        except ValueError as error:
            if isinstance(error, UnreadableFile):
                raise
            raise UnreadableFile(
                f"path {describe_path(path)} is not an HDF5 file Keras writes: "
                f"{shown(first_line(error))}"
            ) from None
    return _explain(saved)


# --- private helpers --------------------------------------------------------------------


def _explain(saved: SavedModel) -> ModelReport:
    path, config = saved.path, saved.config
    if config is None:
        return _explain_weights_only(saved)
    root = saved.weights.root if saved.weights is not None else None
    node = StoredLayer(
        spec_of(config),
        saved.weights,
        root,
        saved.weights_note or "its count is the size of its arrays in the weights file",
    )
    try:
        if registry.is_model(node.spec):
            rows, notes, unshown = walk_members(node, registry.RULES)
        else:
            rows, notes, unshown = walk_layer(node, registry.RULES)
        unsaved = registry.unsaved(node.spec) if saved.weights is not None else 0
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
        raise UnreadableFile(
            f"path {describe_path(path)} holds a configuration lstmdoc cannot read: "
            f"{shown(first_line(error))}"
        ) from None
    if saved.weights_note:
        notes.append(f"{saved.weights_note}.")
    if node.customs:
        notes.append(
            f"{', '.join(dict.fromkeys(node.customs))}: custom classes, whose code lstmdoc never "
            "runs; the arrays stored for each are shown beneath it, group by group, each "
            "recognised as a Keras layer where its group's name and shapes show which."
        )
    if root == "model_weights" and any(row.check == "not derived" for row in rows):
        notes.append(
            "Keras 2's .h5 format records no layer's input shape, so a layer whose rule "
            f"needs one is listed with the count stored for it: {_RESAVE} to derive it."
        )
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
        unshown=unshown,
        total_params=None if saved.weights is None else saved.weights.model_params + unsaved,
        optimizer=_stored_optimizer(saved, rows),
        source=str(path),
        notes=tuple(notes),
    )


def _explain_weights_only(saved: SavedModel) -> ModelReport:
    """A weights file: every layer's group, as the arrays stored in it."""
    weights = saved.weights
    assert weights is not None
    spec = Spec(class_name="weights file", config={"name": saved.path.name})
    node = StoredLayer(
        spec, weights, weights.root, "a weights file holds no configuration", inside_custom=True
    )
    rows, notes, _unshown = walk_members(node, registry.RULES)  # nothing computed here
    notes.append(
        "A weights file holds arrays, not the model's configuration: each layer is listed "
        "with the shapes stored for it (recognised as a Keras layer where its group's name "
        "and its shapes show which), and its count is theirs."
    )
    optimizer = weights.size("optimizer") if not weights.root else 0
    if optimizer:
        notes.append(
            f"The file also holds the optimizer's variables, {optimizer:,} values, which are "
            "not the model's parameters and are not counted."
        )
    return ModelReport(
        model=saved.path.name,
        rows=tuple(rows),
        total_params=weights.model_params,
        source=str(saved.path),
        notes=tuple(notes),
    )


def _read_config(path: Path, archive: zipfile.ZipFile) -> Mapping[str, Any]:
    try:
        info = archive.getinfo(CONFIG)
    except KeyError:
        raise UnreadableFile(
            f"path {describe_path(path)} is not a Keras model: the archive has no {CONFIG}"
        ) from None
    if info.file_size > MAX_CONFIG_BYTES:
        raise UnreadableFile(
            f"path {describe_path(path)} has a {CONFIG} of {info.file_size:,} bytes, more than "
            f"lstmdoc reads ({MAX_CONFIG_BYTES:,})"
        )
    with archive.open(info) as member:
        # The bound holds against the bytes inflated, whatever size the entry claims.
        text = read_bounded(member, MAX_CONFIG_BYTES, f"path {describe_path(path)}'s {CONFIG}")
    return _parse_config(path, text, CONFIG)


def _parse_config(path: Path, text: bytes | str, where: str) -> Mapping[str, Any]:
    try:
        config = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UnreadableFile(
            f"path {describe_path(path)} is a corrupt Keras model: its {where} is not JSON "
            f"({shown(first_line(error))})"
        ) from None
    except RecursionError:
        raise UnreadableFile(
            f"path {describe_path(path)} has a {where} nested too deeply to read"
        ) from None
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise UnreadableFile(
            f"path {describe_path(path)} is not a Keras model: its {where} is not a serialized "
            "model (a dictionary with a class_name)"
        )
    return config


def _read_weights(
    stream: BinaryIO, archive: zipfile.ZipFile
) -> tuple[WeightsFile | None, str | None]:
    """Index the weights file's groups with h5py, in place in the archive where it can."""
    if WEIGHTS not in archive.namelist():
        return None, f"the archive has no {WEIGHTS}, so Keras' counts are not shown"
    try:
        import h5py  # noqa: PLC0415  (optional, and slow to import: only for saved files)
    except ImportError:
        return None, (
            f"h5py is not installed, so Keras' counts were not read from {WEIGHTS}: "
            "pip install h5py (or lstmdoc[files]) to check the derivations against them"
        )
    info = archive.getinfo(WEIGHTS)
    try:
        window = member_in_place(stream, info)
        if window is not None:
            with h5py.File(window, "r") as weights:
                return index(h5py, weights), None
        with tempfile.TemporaryFile() as copy:
            _inflate(archive, info, copy)
            with h5py.File(copy, "r") as weights:
                return index(h5py, weights), None
    except (OSError, ValueError, KeyError, TypeError, RecursionError, zipfile.BadZipFile) as error:
        return (
            None,
            (
                f"its {WEIGHTS} could not be read ({shown(first_line(error))}), "
                "so Keras' counts are not shown"
            ),
        )


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, copy: IO[bytes]) -> None:
    """Inflate a compressed weights file into ``copy``, within :data:`MAX_INFLATED_WEIGHTS`."""
    with archive.open(info) as member:
        shutil.copyfileobj(_Bounded(member, MAX_INFLATED_WEIGHTS), copy)
    copy.seek(0)


class _Bounded:
    """A stream that raises once more than ``limit`` bytes were read from it."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream, self._left = stream, limit

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(1 << 20 if size < 0 else min(size, 1 << 20))
        self._left -= len(data)
        if self._left < 0:
            raise ValueError(
                f"it is stored compressed and inflates to more than {MAX_INFLATED_WEIGHTS:,} bytes"
            )
        return data


def _read_h5(h5py: Any, path: Path, opened: Any) -> SavedModel:
    """Keras 2's HDF5 model (``model_config`` and ``model_weights``), or a weights file."""
    if "model_config" in opened.attrs:
        text = opened.attrs["model_config"]
        if len(text) > MAX_CONFIG_BYTES:
            raise UnreadableFile(
                f"path {describe_path(path)} has a model_config of {len(text):,} bytes, more "
                f"than lstmdoc reads ({MAX_CONFIG_BYTES:,})"
            )
        config = _parse_config(path, text, "model_config attribute")
        group = opened.get("model_weights")
        if group is None:
            return SavedModel(path, _legacy(config), None, "the file holds no model_weights")
        return SavedModel(path, _legacy(config), _legacy_index(h5py, opened), None)
    if "layer_names" in opened.attrs:  # Keras 2's save_weights("model.h5")
        return SavedModel(path, None, index(h5py, opened, legacy=True), None)
    if "layers" in opened or "vars" in opened:  # Keras 3's save_weights("model.weights.h5")
        return SavedModel(path, None, index(h5py, opened), None)
    raise UnreadableFile(
        f"path {describe_path(path)} is an HDF5 file, but not a Keras model or weights file "
        "(no model_config attribute, model_weights or layers group)"
    )


def _legacy_index(h5py: Any, opened: Any) -> WeightsFile:
    return index(h5py, opened, legacy=True, root="model_weights")


def _legacy(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """Keras 2's serialization leaves out the module of Keras' own layers: put it back.

    A layer without a ``module`` whose class is one of Keras' is Keras' own; a
    registered custom class records its ``registered_name`` and keeps none.
    """

    def restore(value: Any, depth: int = 0) -> Any:
        if depth > 200:
            raise ValueError("the configuration nests too deeply")
        if isinstance(value, dict):
            restored = {key: restore(item, depth + 1) for key, item in value.items()}
            name = restored.get("class_name")
            if (
                isinstance(name, str)
                and "module" not in restored
                and "config" in restored
                and not restored.get("registered_name")
                and (
                    name in registry.LAYER_RULES
                    or name in registry.WEIGHTLESS
                    or name in registry.MODEL_CLASSES
                )
            ):
                restored["module"] = "keras.layers"
            return restored
        if isinstance(value, list):
            return [restore(item, depth + 1) for item in value]
        return value

    return restore(config)  # type: ignore[no-any-return]


def _stored_optimizer(saved: SavedModel, rows: Sequence[LayerRow]) -> OptimizerRow | None:
    """The optimizer of a file saved after training: its config, and its stored variables."""
    config = saved.config or {}
    compiled = config.get("compile_config")
    spec = compiled.get("optimizer") if isinstance(compiled, dict) else None
    if saved.weights is None or saved.weights.root or not isinstance(spec, dict):
        return None
    stored = saved.weights.size("optimizer")
    row = optimizers.optimizer_row(spec, rows, stored)
    _, counters, _ = optimizers.derive_optimizer(spec, 0)
    if not stored or (stored == counters and row.params != counters):
        # Compiled but never built: Keras stores only the counters an optimizer makes
        # when created, and, like model.summary(), lstmdoc shows no optimizer line.
        return None
    return row
