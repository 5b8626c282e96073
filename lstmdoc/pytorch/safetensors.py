"""Read a ``.safetensors`` file's tensors as names, shapes and dtypes, from its header alone.

The format (https://github.com/huggingface/safetensors) is an 8-byte little-endian
length ``N``, then ``N`` bytes of JSON: for each tensor, its ``dtype``, ``shape`` and
``data_offsets`` into the data that follows (and an optional ``__metadata__`` of
strings). lstmdoc reads those ``8 + N`` bytes and nothing else: no tensor's data is
read, and neither PyTorch nor the ``safetensors`` package is needed. The header is
held to what the specification promises: its length is bounded before it is read,
every tensor's offsets must lie in the file and hold exactly its dtype's bytes, and
the tensors must tile the data with no hole or overlap, as the ``safetensors``
library itself requires.

A sharded model's ``model.safetensors.index.json`` maps each tensor to the shard
that holds it; each shard's header is read in turn.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lstmdoc._checks import first_line, shown
from lstmdoc.formats import (
    MAX_METADATA_BYTES,
    UnreadableFile,
    describe_path,
    open_regular,
    read_bounded,
)  # read_bounded: for the index, whose size no header states

__all__ = ["DTYPE_BITS", "DTYPE_NAMES", "MAX_SHARDS", "Tensors", "read_file", "read_index"]

DTYPE_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
    "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
    "I32": 32, "U32": 32, "F32": 32,
    "I64": 64, "U64": 64, "F64": 64, "C64": 64,
    "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}  # fmt: skip
"""The bits of each dtype the format defines."""

DTYPE_NAMES = {
    "BOOL": "bool", "U8": "uint8", "I8": "int8", "F8_E5M2": "float8_e5m2",
    "F8_E4M3": "float8_e4m3fn", "I16": "int16", "U16": "uint16", "F16": "float16",
    "BF16": "bfloat16", "I32": "int32", "U32": "uint32", "F32": "float32",
    "I64": "int64", "U64": "uint64", "F64": "float64", "C64": "complex64",
}  # fmt: skip
"""Each dtype's name as NumPy, PyTorch and Keras write it; the 4- and 6-bit floats and
``F8_E8M0`` have none there."""

MAX_SHARDS = 10_000
"""The most shards lstmdoc reads for one model."""

_FLOATING = ("F", "BF", "C")


@dataclass(frozen=True)
class Tensors:
    """The tensors of a safetensors file or sharded model: shapes and dtypes, by name.

    Attributes:
        shapes: each tensor's shape, by name, in the header's order.
        dtypes: each tensor's dtype, as the format names it (``"F32"``, ``"I64"`` ...).
        metadata: the header's ``__metadata__``, such as ``{"format": "pt"}``.
    """

    shapes: dict[str, tuple[int, ...]]
    dtypes: dict[str, str]
    metadata: dict[str, str]

    @property
    def dtype_names(self) -> dict[str, str]:
        """Each tensor's dtype as PyTorch names it (``"float32"``), where it has such a name."""
        return {
            name: DTYPE_NAMES[dtype] for name, dtype in self.dtypes.items() if dtype in DTYPE_NAMES
        }

    @property
    def integer_keys(self) -> set[str]:
        """The tensors of integer or boolean dtype: never parameters, which are floating."""
        return {name for name, dtype in self.dtypes.items() if not dtype.startswith(_FLOATING)}


def read_file(path: Path) -> Tensors:
    """Read the header of the safetensors file at ``path``; see the module's description.

    Raises:
        ValueError: the file is not a regular file, or not a valid safetensors file.
    """
    shown_path = describe_path(path)
    with open_regular(path) as stream:
        size = os.fstat(stream.fileno()).st_size
        prefix = stream.read(8)
        if len(prefix) != 8:
            raise UnreadableFile(f"path {shown_path} is too short to be a safetensors file")
        length = int.from_bytes(prefix, "little")
        if length > MAX_METADATA_BYTES:
            raise UnreadableFile(
                f"path {shown_path} has a safetensors header of {length:,} bytes, more than "
                f"lstmdoc reads ({MAX_METADATA_BYTES:,})"
            )
        if 8 + length > size:
            raise UnreadableFile(
                f"path {shown_path} is not a valid safetensors file: its header claims "
                f"{length:,} bytes, more than the file holds"
            )
        text = stream.read(length)  # bounded above, and by the file's size
        if len(text) != length:
            raise UnreadableFile(f"path {shown_path} is cut short in its safetensors header")
    try:
        header = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise UnreadableFile(
            f"path {shown_path} is not a valid safetensors file: its header is not JSON "
            f"({shown(first_line(error))})"
        ) from None
    return _tensors(header, size - 8 - length, shown_path)


def read_index(path: Path) -> Tensors:
    """Read a sharded model's ``model.safetensors.index.json`` and each shard's header.

    Raises:
        ValueError: the index is malformed, names a shard outside its folder, or a shard
            is not a valid safetensors file or lacks a tensor the index places in it.
    """
    shown_path = describe_path(path)
    with open_regular(path) as stream:
        text = read_bounded(stream, MAX_METADATA_BYTES, f"path {shown_path}")
    try:
        weight_map = json.loads(text).get("weight_map")
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, AttributeError):
        weight_map = None
    if not isinstance(weight_map, dict) or not all(
        isinstance(shard, str) for shard in weight_map.values()
    ):
        raise UnreadableFile(
            f"path {shown_path} is not a safetensors index: it has no weight_map of tensor "
            "names to shard files"
        )
    shards = list(dict.fromkeys(weight_map.values()))
    if len(shards) > MAX_SHARDS:
        raise UnreadableFile(f"path {shown_path} names more than {MAX_SHARDS:,} shards")
    shapes: dict[str, tuple[int, ...]] = {}
    dtypes: dict[str, str] = {}
    metadata: dict[str, str] = {}
    for shard in shards:
        if Path(shard).name != shard or shard in {".", ".."}:  # no path out of the folder
            raise UnreadableFile(
                f"path {shown_path} names the shard {shown(shard)!r}, which is not a file beside it"
            )
        tensors = read_file(path.parent / shard)
        shapes |= tensors.shapes
        dtypes |= tensors.dtypes
        metadata |= tensors.metadata
    missing = [name for name in weight_map if name not in shapes]
    if missing:
        raise UnreadableFile(
            f"path {shown_path} places {shown(str(missing[0]))!r} in a shard that does not hold it"
        )
    return Tensors(shapes, dtypes, metadata)


def _tensors(header: Any, data_size: int, shown_path: str) -> Tensors:
    if not isinstance(header, dict):
        raise UnreadableFile(f"path {shown_path} is not a valid safetensors file: no header object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        metadata = {}
    shapes: dict[str, tuple[int, ...]] = {}
    dtypes: dict[str, str] = {}
    spans = []
    for name, entry in header.items():
        shape, dtype, begin, end = _entry(name, entry, shown_path)
        bits = math.prod(shape) * DTYPE_BITS[dtype]
        if bits % 8 or end - begin != bits // 8:
            raise UnreadableFile(
                f"path {shown_path} is not a valid safetensors file: tensor {shown(name)!r} "
                f"of {dtype} {list(shape)} does not fill its {end - begin:,} bytes"
            )
        shapes[name], dtypes[name] = shape, dtype
        spans.append((begin, end, name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            problem = "overlaps another" if begin < position else "leaves a hole before it"
            raise UnreadableFile(
                f"path {shown_path} is not a valid safetensors file: tensor {shown(name)!r} "
                f"{problem}"
            )
        position = end
    if position > data_size:
        raise UnreadableFile(
            f"path {shown_path} is not a valid safetensors file: its tensors claim "
            f"{position:,} bytes of data, more than the file's {data_size:,}"
        )
    return Tensors(shapes, dtypes, {str(k): str(v) for k, v in metadata.items()})


def _entry(name: str, entry: Any, shown_path: str) -> tuple[tuple[int, ...], str, int, int]:
    """A header entry's shape, dtype and data offsets, each checked against the format."""
    if isinstance(entry, Mapping):
        shape, dtype, offsets = entry.get("shape"), entry.get("dtype"), entry.get("data_offsets")
        if (
            isinstance(shape, list)
            and all(_natural(size) for size in shape)
            and dtype in DTYPE_BITS
            and isinstance(offsets, list)
            and len(offsets) == 2
            and all(_natural(offset) for offset in offsets)
            and offsets[0] <= offsets[1]
        ):
            return tuple(shape), str(dtype), offsets[0], offsets[1]
    raise UnreadableFile(
        f"path {shown_path} is not a valid safetensors file: tensor {shown(str(name))!r} has no "
        "valid dtype, shape and data_offsets"
    )


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63
