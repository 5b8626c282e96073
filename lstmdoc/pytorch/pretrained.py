"""Read a PyTorch model file or folder as a ``state_dict``'s names and shapes, whatever its format.

- ``torch.save`` files (``.pt``, ``.pth``, ``.bin``, ``.ckpt``), through
  :mod:`lstmdoc.pytorch.checkpoints`, which needs PyTorch;
- ``.safetensors`` files and sharded models' ``model.safetensors.index.json``, from
  their headers alone (:mod:`lstmdoc.pytorch.safetensors`), without PyTorch;
- a folder written by ``transformers``' ``save_pretrained``: its ``config.json``
  (which names the architecture, and whether the output layer's weight is tied
  to the input embedding) beside ``model.safetensors``, a sharded index, or
  ``pytorch_model.bin``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lstmdoc._checks import shown
from lstmdoc.formats import UnreadableFile, describe_path, kind, open_regular, read_bounded
from lstmdoc.pytorch import checkpoints, safetensors
from lstmdoc.pytorch.rule import Shape

__all__ = ["MAX_CONFIG_BYTES", "Checkpoint", "read"]

MAX_CONFIG_BYTES = 4 * 2**20
"""The most lstmdoc reads of a ``save_pretrained`` folder's ``config.json``."""

_WEIGHTS = (
    "model.safetensors.index.json",
    "model.safetensors",
    "pytorch_model.bin.index.json",
    "pytorch_model.bin",
)


@dataclass(frozen=True)
class Checkpoint:
    """A ``state_dict`` read from a file or folder: names and shapes, and what else is known.

    Attributes:
        shapes: each tensor's shape, by its key.
        name: the model's name for the report: the architecture, or the file's stem.
        key: the checkpoint's key the ``state_dict`` was found under, if any.
        tied: the keys whose tensor an earlier key holds, each with that key.
        integers: the keys of integer or boolean tensors, which are never parameters.
        notes: what the reader should know about how it was read.
        dtypes: each tensor's dtype, by its key, as PyTorch names it (``"float32"``).
    """

    shapes: dict[str, Shape]
    name: str
    key: str | None = None
    tied: dict[str, str] = field(default_factory=dict)
    integers: set[str] = field(default_factory=set)
    notes: tuple[str, ...] = ()
    dtypes: dict[str, str] = field(default_factory=dict)


def read(path: Path) -> Checkpoint:
    """Read the ``state_dict`` of a PyTorch file, a safetensors file or index, or a folder.

    Raises:
        ImportError: a ``torch.save`` file, and PyTorch is not installed.
        ValueError: see :func:`lstmdoc.pytorch.checkpoints.load` and
            :mod:`lstmdoc.pytorch.safetensors`.
    """
    if path.is_dir():
        return _folder(path)
    if path.name.endswith(".safetensors.index.json"):
        return _safetensors(safetensors.read_index(path), path.name.split(".")[0], "sharded ")
    if kind(path) == "safetensors":
        return _safetensors(safetensors.read_file(path), path.stem)
    shapes, key, tied, integers, dtypes = checkpoints.load(path)
    return Checkpoint(shapes, path.stem, key, tied, integers, dtypes=dtypes)


def _safetensors(tensors: safetensors.Tensors, name: str, sharded: str = "") -> Checkpoint:
    note = (
        f"Read from a {sharded}safetensors header: names, shapes and dtypes, without the "
        "tensors' data. A tied weight is stored once, and so counted once."
    )
    return Checkpoint(
        tensors.shapes,
        name,
        integers=tensors.integer_keys,
        notes=(note,),
        dtypes=tensors.dtype_names,
    )


def _folder(path: Path) -> Checkpoint:
    config = _config(path / "config.json")
    weights = next((path / name for name in _WEIGHTS if (path / name).is_file()), None)
    if weights is None:
        found = sorted(entry for entry in path.glob("*.safetensors") if entry.is_file())
        if len(found) != 1:
            raise UnreadableFile(
                f"path {describe_path(path)} holds config.json but no model.safetensors, "
                "sharded index or pytorch_model.bin lstmdoc can tell is the model's"
            )
        weights = found[0]
    if weights.name == "pytorch_model.bin.index.json":
        read_weights = _bin_shards(weights)
    else:
        read_weights = read(weights)
    architectures = config.get("architectures")
    architecture = (
        architectures[0]
        if isinstance(architectures, list) and architectures and isinstance(architectures[0], str)
        else None
    )
    notes = [f"Read from a save_pretrained folder: config.json and {shown(weights.name)}."]
    if config.get("tie_word_embeddings") is True:
        notes.append(
            "config.json sets tie_word_embeddings: the output layer's weight is the input "
            "embedding's, stored once and counted once, as PyTorch counts it."
        )
    return Checkpoint(
        read_weights.shapes,
        shown(architecture or path.name),
        read_weights.key,
        read_weights.tied,
        read_weights.integers,
        (*notes, *read_weights.notes),
        read_weights.dtypes,
    )


def _bin_shards(index: Path) -> Checkpoint:
    """A ``pytorch_model.bin.index.json``: each shard read in turn with ``torch.load``."""
    weight_map = _config(index).get("weight_map")
    if not isinstance(weight_map, dict):
        raise UnreadableFile(f"path {describe_path(index)} has no weight_map")
    shapes: dict[str, Shape] = {}
    integers: set[str] = set()
    dtypes: dict[str, str] = {}
    for shard in dict.fromkeys(str(value) for value in weight_map.values()):
        if Path(shard).name != shard:
            raise UnreadableFile(
                f"path {describe_path(index)} names the shard {shown(shard)!r}, not a file beside it"
            )
        read_shard = checkpoints.load(index.parent / shard)
        shapes |= read_shard[0]
        integers |= read_shard[3]
        dtypes |= read_shard[4]
    return Checkpoint(shapes, index.name, integers=integers, dtypes=dtypes)


def _config(path: Path) -> Mapping[str, Any]:
    with open_regular(path) as stream:
        text = read_bounded(stream, MAX_CONFIG_BYTES, f"path {describe_path(path)}")
    try:
        config = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise UnreadableFile(f"path {describe_path(path)} is not JSON") from None
    if not isinstance(config, dict):
        raise UnreadableFile(f"path {describe_path(path)} is not a JSON object")
    return config
