"""Read a PyTorch checkpoint as names and shapes: ``torch.load(..., weights_only=True)``.

The only module of lstmdoc that imports PyTorch, and only when a file is read.
PyTorch's restricted unpickler builds tensors and plain containers and refuses any
other class or function, so no pickled code in the file can run; and with
``map_location="meta"`` it builds each tensor's shape without reading its data,
so the time does not grow with the weights' size.

Before PyTorch sees the file, lstmdoc checks what it will read: a zip archive as
``torch.save`` writes it (each member stored uncompressed, its pickle of a bounded
size), or a pickle as PyTorch wrote before 1.6, whose every storage must fit in
the file. PyTorch's warnings are kept, not printed.
"""

from __future__ import annotations

import pickletools
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from lstmdoc._checks import first_line, shown
from lstmdoc.formats import MAX_METADATA_BYTES, UnreadableFile, describe_path, open_regular
from lstmdoc.pytorch.rule import Shape
from lstmdoc.pytorch.state_dicts import tied_keys

__all__ = ["INSTALL", "NESTED_KEYS", "Loaded", "load"]

INSTALL = 'pip install "lstmdoc[torch]"'

NESTED_KEYS = ("state_dict", "model_state_dict", "model")
"""Where a checkpoint dictionary may hold its ``state_dict``, in the order tried.

``torch.save(model.state_dict(), path)`` stores the ``state_dict`` itself; PyTorch
Lightning stores it under ``"state_dict"``, PyTorch's tutorial on checkpoints under
``"model_state_dict"``, and many training scripts under ``"model"``.
"""

Loaded = tuple[dict[str, Shape], str | None, dict[str, str], set[str], dict[str, str]]
"""A checkpoint read: shapes by key, the key it was under, tied keys, integer tensors' keys,
and dtypes by key (``"float32"``)."""

_CODE = (
    "holds pickled Python objects that would run code when loaded ({detail}), so lstmdoc did "
    "not load it: a state_dict holds tensors only (save model.state_dict() instead)"
)


def load(path: Path) -> Loaded:
    """Read the names and shapes of a PyTorch file's ``state_dict``, and which are tied.

    Returns:
        The shapes by name; the key the ``state_dict`` was found under (one of
        :data:`NESTED_KEYS`), or ``None`` where the file holds it at the top; the
        keys whose tensor an earlier key holds (tied weights, which ``torch.save``
        stores once), each with that key; and the keys of integer or boolean
        tensors, which are never parameters.

    Raises:
        ImportError: PyTorch is not installed.
        ValueError: the file is missing, not a PyTorch file, corrupt, holds pickled
            objects other than tensors (a whole model saved with ``torch.save(model)``),
            or holds no ``state_dict``.
    """
    shown_path = describe_path(path)
    try:
        import torch  # noqa: PLC0415  (optional, and slow to import: only for these files)
    except ImportError:
        raise ImportError(
            f"reading {shown(path.name)} needs PyTorch, which is not installed: {INSTALL}"
        ) from None
    with open_regular(path) as stream:
        _check(stream, shown_path)
        stream.seek(0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                # weights_only=True: PyTorch's restricted unpickler, which builds tensors
                # and plain containers only and refuses every other class or function.
                # map_location="meta": each tensor's shape, and none of its data.
                loaded = torch.load(stream, map_location="meta", weights_only=True)
            except Exception as error:  # noqa: BLE001  (torch.load raises many kinds for a bad file)
                raise UnreadableFile(_refusal(error, shown_path)) from None
        del caught  # PyTorch's warnings about the file are not the reader's business
    return _state_dict(torch, loaded, shown_path)


def _check(stream: BinaryIO, shown_path: str) -> None:
    """Refuse what PyTorch would read without bound: sizes are checked before it reads."""
    start = stream.read(4)
    stream.seek(0)
    if start == b"PK\x03\x04":
        _check_archive(stream, shown_path)
    else:
        _check_legacy(stream, shown_path)


def _check_archive(stream: BinaryIO, shown_path: str) -> None:
    try:
        members = zipfile.ZipFile(stream).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise UnreadableFile(
            f"path {shown_path} is not a readable PyTorch file: {shown(first_line(error))}"
        ) from None
    end = stream.seek(0, 2)
    for member in members:
        # torch.save stores every member as it is; a compressed one would be inflated
        # whole into memory, and a size past the file's end is a lie.
        if member.compress_type != zipfile.ZIP_STORED or member.file_size > end:
            raise UnreadableFile(
                f"path {shown_path} is not a file torch.save writes: its member "
                f"{shown(member.filename)!r} is compressed or larger than the file"
            )
        if member.filename.endswith(".pkl") and member.file_size > MAX_METADATA_BYTES:
            raise UnreadableFile(
                f"path {shown_path} holds a pickle of {member.file_size:,} bytes, more than "
                f"lstmdoc reads ({MAX_METADATA_BYTES:,})"
            )


def _check_legacy(stream: BinaryIO, shown_path: str) -> None:
    """A pickle as ``torch.save`` wrote before 1.6: its storages must fit in the file.

    Five pickles (a magic number, the protocol, the system's sizes, the object, the
    storages' keys) are walked opcode by opcode, never run; then each storage's
    element count, which PyTorch allocates before reading, is held to the bytes left.
    """
    end = stream.seek(0, 2)
    stream.seek(0)
    capped = _Capped(stream, end)
    try:
        for _ in range(5):
            position = stream.tell()
            for _opcode, _argument, offset in pickletools.genops(capped):  # type: ignore[arg-type]
                if (offset or 0) - position > MAX_METADATA_BYTES:
                    raise UnreadableFile(
                        f"path {shown_path} holds a pickle of more than {MAX_METADATA_BYTES:,} "
                        "bytes, more than lstmdoc reads"
                    )
    except (ValueError, EOFError) as error:
        if isinstance(error, UnreadableFile):
            raise
        raise UnreadableFile(
            f"path {shown_path} is not a readable PyTorch file: {shown(first_line(error))}"
        ) from None
    while stream.tell() < end:
        count = int.from_bytes(stream.read(8), "little")
        if count > end - stream.tell():
            raise UnreadableFile(
                f"path {shown_path} is not a valid PyTorch file: a storage claims {count:,} "
                "values, more than the file holds"
            )
        stream.seek(count, 1)  # at least one byte a value: a lower bound on its size


class _Capped:
    """A stream whose reads never ask for more than the file has left.

    A pickle's opcodes carry lengths; one that claims gigabytes must not make a read
    of gigabytes.
    """

    def __init__(self, stream: BinaryIO, end: int) -> None:
        self._stream, self._end = stream, end

    def read(self, size: int = -1) -> bytes:
        left = max(0, self._end - self._stream.tell())
        return self._stream.read(left if size < 0 else min(size, left))

    def readline(self) -> bytes:
        return self._stream.readline(min(1 << 20, max(0, self._end - self._stream.tell())))

    def tell(self) -> int:
        return self._stream.tell()


def _refusal(error: BaseException, shown_path: str) -> str:
    """What went wrong, in one line, without PyTorch's advice to load the file unsafely."""
    text = str(error)
    lowered = text.lower()
    if "torch.scriptobject" in lowered:
        return (
            f"path {shown_path} holds TorchScript objects, such as the packed weights of a "
            "quantized module's state_dict, which torch.load(weights_only=True) does not "
            "build, so lstmdoc did not load it: explain the live module instead"
        )
    if "weights only load failed" in lowered or "unsupported global" in lowered:
        detail = next(
            (
                line.strip()
                for line in text.splitlines()
                if "global" in line.lower() and "weights_only" not in line.lower()
            ),
            "a class or function it would call",
        )
        if "weights_only" in detail or "unsafe" in detail.lower():
            detail = "a class or function it would call"
        return f"path {shown_path} " + _CODE.format(detail=shown(first_line(detail, limit=160)))
    if "torchscript" in lowered:
        return (
            f"path {shown_path} is a TorchScript archive (torch.jit.save), which holds code: "
            "lstmdoc did not load it; save model.state_dict() with torch.save instead"
        )
    return (
        f"path {shown_path} is not a readable PyTorch file: {shown(first_line(error, limit=200))}"
    )


def _state_dict(torch: Any, loaded: Any, shown_path: str) -> Loaded:
    if not isinstance(loaded, Mapping):
        raise UnreadableFile(
            f"path {shown_path} holds {shown(type(loaded).__name__)}, not a state_dict "
            "(a dictionary of tensors by name)"
        )
    if not loaded:  # the state_dict of a model without parameters or buffers
        return {}, None, {}, set(), {}
    candidates: list[tuple[Any, str | None]] = [(loaded, None)]
    candidates += [(loaded[key], key) for key in NESTED_KEYS if key in loaded]
    for candidate, key in candidates:
        if isinstance(candidate, Mapping) and any(
            isinstance(value, torch.Tensor) for value in candidate.values()
        ):
            tensors = {
                str(name): value
                for name, value in candidate.items()
                if isinstance(value, torch.Tensor)
            }
            shapes = {
                name: tuple(int(size) for size in value.shape) for name, value in tensors.items()
            }
            integers = {
                name
                for name, value in tensors.items()
                if not (value.is_floating_point() or value.is_complex())
            }
            dtypes = {
                name: str(value.dtype).removeprefix("torch.") for name, value in tensors.items()
            }
            return shapes, key, tied_keys(tensors), integers, dtypes
    raise UnreadableFile(
        f"path {shown_path} holds a dictionary without tensors, at its top or under "
        f"{', '.join(repr(key) for key in NESTED_KEYS)}: not a state_dict"
    )
