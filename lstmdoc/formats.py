"""Tell a model file's format by its content, and read it within bounds, whatever it holds.

:func:`lstmdoc.explain_file` may be handed anything: a FIFO that never answers, a
symlink to ``/dev/zero``, a zip archive whose entries lie about their sizes. Every
file is opened here, and only a regular file (or a directory) is read:
:func:`open_regular` opens without blocking and refuses anything else in one line.
:func:`kind` then tells the format from the first bytes, not the name:

======================  =============================================================
``"keras"``             a zip archive holding ``config.json`` (``model.save("m.keras")``)
``"torch"``             a zip archive as ``torch.save`` writes it (``.../data.pkl``)
``"torch-legacy"``      a pickle, as ``torch.save`` wrote before PyTorch 1.6
``"hdf5"``              an HDF5 file: Keras 2's ``.h5`` model, or a ``.weights.h5``
``"safetensors"``       an 8-byte header length, then a JSON header (``{``)
``"pretrained"``        a directory with ``config.json`` and weights (``save_pretrained``)
``"savedmodel"``        a TensorFlow SavedModel directory (``saved_model.pb``)
======================  =============================================================

Every size read is bounded before it is read, and checked against the bytes
actually read, not against what a header claims (:func:`read_bounded`). A member
stored uncompressed in a zip archive is read in place, through :class:`Window`, so
that h5py reads a ``.keras`` file's weights index without inflating, copying or
checksumming the weights around it. Nothing here imports a framework.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path
from typing import IO, BinaryIO

from lstmdoc._checks import first_line, shown

__all__ = [
    "HDF5_SIGNATURE",
    "MAX_METADATA_BYTES",
    "UnreadableFile",
    "Window",
    "describe_path",
    "kind",
    "member_in_place",
    "open_regular",
    "read_bounded",
]

MAX_METADATA_BYTES = 64 * 2**20
"""The most lstmdoc reads of any metadata: a configuration, a header, an index, a pickle.

A model's configuration or a safetensors header is kilobytes, or a few megabytes for
tens of thousands of tensors; more is refused rather than read."""

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURE = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
# HDF5 may start after a user block of 512, 1024, 2048 ... bytes; Keras writes none.
_HDF5_OFFSETS = (0, 512, 1024, 2048, 4096)
_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)


class UnreadableFile(ValueError):
    """A path lstmdoc will not read, and why, in one line fit for a terminal."""


def describe_path(path: Path) -> str:
    """``'path'`` as an error message quotes it: escaped, and cut if very long."""
    return f"'{shown(first_line(str(path), limit=200))}'"


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file, without ever blocking.

    A FIFO is opened non-blocking (an ordinary ``open`` would wait for a writer
    forever) and then refused, like a device, a socket or a directory, from the
    ``fstat`` of what was opened, so a symlink is judged by what it points to.

    Raises:
        UnreadableFile: the path is missing, unreadable or not a regular file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise UnreadableFile(f"path {describe_path(path)} does not exist") from None
    except OSError as error:
        raise UnreadableFile(
            f"path {describe_path(path)} cannot be read: {error.strerror or error}"
        ) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableFile(
                f"path {describe_path(path)} is {_file_type(mode)}, not a model file: "
                "lstmdoc reads regular files only"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def kind(path: Path) -> str:
    """The format of the file or directory at ``path``, told by its content (see the table).

    Returns ``"unknown"`` for a regular file of no format lstmdoc knows, and
    ``"directory"`` for a directory that is neither a ``save_pretrained`` folder
    nor a SavedModel.

    Raises:
        UnreadableFile: the path is missing, unreadable, or neither a regular file
            nor a directory.
    """
    if path.is_dir():
        return _directory_kind(path)
    with open_regular(path) as stream:
        start = stream.read(16)
        if start.startswith((_ZIP_SIGNATURE, _EMPTY_ZIP)):
            return _zip_kind(path, stream)
        if start.startswith(HDF5_SIGNATURE) or any(
            _at(stream, offset) == HDF5_SIGNATURE for offset in _HDF5_OFFSETS[1:]
        ):
            return "hdf5"
        if len(start) >= 9 and start[8:9] == b"{":
            return "safetensors"
        if start[:1] == b"\x80" and start[1:2] in {b"\x02", b"\x03", b"\x04", b"\x05"}:
            return "torch-legacy"
    return "unknown"


def read_bounded(stream: IO[bytes], limit: int, what: str) -> bytes:
    """Read ``stream`` to its end, refusing it once more than ``limit`` bytes were read.

    The bound is held against the bytes actually read (inflated, for a zip member),
    never against a size the file claims.
    """
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UnreadableFile(f"{what} is larger than lstmdoc reads ({limit:,} bytes)")
    return data


class Window(io.RawIOBase):
    """A read-only view of ``length`` bytes of ``stream`` from ``offset``, seekable in place.

    h5py reads a file-like object by seeking and reading small pieces: through a
    window on a zip member stored uncompressed, it reads only the HDF5 metadata it
    needs, and none of the weights between.
    """

    def __init__(self, stream: BinaryIO, offset: int, length: int) -> None:
        super().__init__()
        self._stream, self._offset, self._length, self._position = stream, offset, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), max(0, self._length - self._position))
        if not wanted:
            return 0
        self._stream.seek(self._offset + self._position)
        data = self._stream.read(wanted)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


def member_in_place(stream: BinaryIO, info: zipfile.ZipInfo) -> Window | None:
    """A :class:`Window` on a zip member stored uncompressed, or ``None`` if it is compressed.

    The member's data starts after its local header, whose name and extra field
    lengths are read from the header itself (they may differ from the central
    directory's). A member that claims to run past the end of the file is refused.
    """
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:  # compressed, encrypted
        return None
    stream.seek(info.header_offset)
    header = stream.read(30)
    if len(header) != 30 or not header.startswith(_ZIP_SIGNATURE):
        raise UnreadableFile(f"the zip member {shown(info.filename)!r} has no valid local header")
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    end = stream.seek(0, io.SEEK_END)
    if start + info.compress_size > end:
        raise UnreadableFile(
            f"the zip member {shown(info.filename)!r} claims {info.compress_size:,} bytes, "
            "more than the file holds"
        )
    return Window(stream, start, info.compress_size)


# --- private helpers ----------------------------------------------------------------------


def _at(stream: BinaryIO, offset: int) -> bytes:
    stream.seek(offset)
    return stream.read(len(HDF5_SIGNATURE))


def _zip_kind(path: Path, stream: BinaryIO) -> str:
    try:
        names = zipfile.ZipFile(stream).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise UnreadableFile(
            f"path {describe_path(path)} is a corrupt zip archive: {shown(first_line(error))}"
        ) from None
    if "config.json" in names:
        return "keras"
    if any(name.endswith("/data.pkl") or name == "data.pkl" for name in names):
        return "torch"
    return "zip"


def _directory_kind(path: Path) -> str:
    try:
        present = {entry.name for entry in os.scandir(path)}
    except OSError as error:
        raise UnreadableFile(
            f"path {describe_path(path)} cannot be read: {error.strerror or error}"
        ) from None
    if "saved_model.pb" in present or "saved_model.pbtxt" in present:
        return "savedmodel"
    if "config.json" in present and (
        any(name in present for name in _WEIGHT_FILES)
        or any(name.endswith(".safetensors") for name in present)
    ):
        return "pretrained"
    return "directory"


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"
