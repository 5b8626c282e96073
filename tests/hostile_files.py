"""Hostile files, built on demand: every trick ``lstmdoc explain`` must answer in one line.

Each builder writes one file (or FIFO, symlink, folder) into a folder and returns its
path; none is committed, so the repository holds no binary that a reader must trust.
``python -m tests.hostile_files FOLDER`` writes them all, to try by hand.
The PyTorch ones (pickles that would run code) are in ``tests/pytorch/against_torch``.
"""

from __future__ import annotations

import io
import json
import os
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

ESCAPES = "\x1b]0;owned\x07\x1b[2J\r\n\u202etxt.exe"
"""A name that would retitle a terminal, clear it, overwrite a line and read backwards."""

Builder = Callable[[Path], Path]


def dense_config(name: str = "dense", layers: int = 1) -> dict[str, object]:
    """A Sequential of ``layers`` Dense layers, as Keras serializes it (built on 4 features)."""
    return {
        "class_name": "Sequential",
        "module": "keras",
        "config": {
            "name": "hostile",
            "layers": [
                {
                    "class_name": "Dense",
                    "module": "keras.layers",
                    "config": {"name": f"{name}_{index}" if layers > 1 else name, "units": 4,
                               "use_bias": True},
                    "build_config": {"input_shape": [None, 4]},
                }
                for index in range(layers)
            ],
        },
    }  # fmt: skip


def keras_archive(path: Path, config: bytes, weights: bytes | None = None, **options) -> Path:
    """A .keras-like archive holding ``config`` (and ``weights``) as given."""
    with zipfile.ZipFile(path, "w", **options) as archive:
        archive.writestr("config.json", config)
        if weights is not None:
            archive.writestr("model.weights.h5", weights)
    return path


def fifo_keras(folder: Path) -> Path:
    """A FIFO named model.keras: opening it the ordinary way waits for a writer forever."""
    path = folder / "fifo.keras"
    os.mkfifo(path)
    return path


def fifo_pt(folder: Path) -> Path:
    """A FIFO named model.pt."""
    path = folder / "fifo.pt"
    os.mkfifo(path)
    return path


def dev_zero(folder: Path) -> Path:
    """A symlink to /dev/zero named model.keras: endless zeros."""
    path = folder / "zero.keras"
    path.symlink_to("/dev/zero")
    return path


def zip_bomb(folder: Path) -> Path:
    """A .keras whose 200 KB config.json inflates to 200 MB, and says so."""
    data = b" " * (200 * 2**20)
    return keras_archive(folder / "bomb.keras", data, compression=zipfile.ZIP_DEFLATED)


def lying_entry(folder: Path) -> Path:
    """A .keras whose config.json claims 100 bytes and inflates to 200 MB."""
    path = zip_bomb(folder).rename(folder / "lying.keras")
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        data[start + offset : start + offset + 4] = struct.pack("<I", 100)
    path.write_bytes(bytes(data))
    return path


def weights_bomb(folder: Path) -> Path:
    """A .keras whose model.weights.h5 is stored compressed and inflates to 300 MB."""
    config = json.dumps(dense_config()).encode()
    return keras_archive(
        folder / "weights_bomb.keras",
        config,
        b"\0" * (300 * 2**20),
        compression=zipfile.ZIP_DEFLATED,
    )


def long_name(folder: Path) -> Path:
    """A 60 MB layer name in a file of a few hundred kilobytes."""
    config = json.dumps(dense_config(name="x" * (60 * 2**20))).encode()
    return keras_archive(folder / "long_name.keras", config, compression=zipfile.ZIP_DEFLATED)


def escape_names(folder: Path) -> Path:
    """Layer names with terminal escapes, a carriage return and a right-to-left override."""
    return keras_archive(folder / "escapes.keras", json.dumps(dense_config(ESCAPES)).encode())


def escape_path(folder: Path) -> Path:
    """A file whose own name holds escapes, and whose content is no model."""
    path = folder / f"{ESCAPES.replace('/', '')}.keras"
    path.write_bytes(b"not a model")
    return path


def many_layers(folder: Path, layers: int = 20_000) -> Path:
    """A model of ``layers`` Dense layers, without weights."""
    config = json.dumps(dense_config(layers=layers)).encode()
    return keras_archive(folder / f"layers_{layers}.keras", config)


def hdf5_links(folder: Path) -> Path:
    """A weights file whose hard links loop back to the root and fan out 2^40 paths."""
    import h5py  # noqa: PLC0415

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as weights:
        layer = weights.create_group("layers/dense/vars")
        layer.attrs["name"] = "dense"
        layer.create_dataset("0", shape=(4, 4), dtype="f4")
        layer.create_dataset("1", shape=(4,), dtype="f4")
        weights["layers/dense/loop"] = weights["/"]
        level = weights.create_group("fan/level0")
        for depth in range(1, 40):
            inner = weights.create_group(f"fan/level{depth}")
            level["a"], level["b"] = inner, inner
            level = inner
        many = weights.create_group("attributes")
        for index in range(2_000):
            many.attrs[f"a{index}"] = "x" * 1_000
        weights["layers/dense/vars"].attrs["other"] = "y" * (4 * 2**20)
    return keras_archive(
        folder / "links.keras", json.dumps(dense_config()).encode(), buffer.getvalue()
    )


def safetensors_lies(folder: Path) -> Path:
    """A safetensors header that claims more bytes than the file holds."""
    path = folder / "lies.safetensors"
    path.write_bytes(struct.pack("<Q", 1000) + b'{"a": 1}')
    return path


def safetensors_overlap(folder: Path) -> Path:
    """Two tensors over the same bytes, one named with escapes."""
    header = {
        "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        ESCAPES: {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
    }
    text = json.dumps(header).encode()
    path = folder / "overlap.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + bytes(8))
    return path


def safetensors_huge_header(folder: Path) -> Path:
    """A header length of 2^63: refused before a byte of it is read."""
    path = folder / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 2**63) + b"{" + bytes(100))
    return path


def savedmodel(folder: Path) -> Path:
    """A TensorFlow SavedModel folder."""
    path = folder / "exported"
    path.mkdir()
    (path / "saved_model.pb").write_bytes(b"\x08\x01")
    return path


def torch_compressed(folder: Path) -> Path:
    """A zip as torch.save writes, but with its members compressed (torch never does)."""
    path = folder / "compressed.pt"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
        archive.writestr("archive/data/0", zlib.compress(b"\0" * 1000))
    return path


def legacy_pickle_claims(folder: Path) -> Path:
    """A pre-1.6 torch.save pickle whose storage claims 2^40 values in a 1 KB file."""
    import pickle  # noqa: PLC0415

    values: tuple[object, ...] = (0x1950A86A20F9469CFC6C, 1001, {}, {}, [])
    parts = [pickle.dumps(value, protocol=2) for value in values]
    path = folder / "legacy.pt"
    path.write_bytes(b"".join(parts) + struct.pack("<Q", 2**40) + bytes(1000))
    return path


BUILDERS: dict[str, Builder] = {
    builder.__name__: builder
    for builder in (
        fifo_keras,
        fifo_pt,
        dev_zero,
        zip_bomb,
        lying_entry,
        weights_bomb,
        long_name,
        escape_names,
        escape_path,
        hdf5_links,
        safetensors_lies,
        safetensors_overlap,
        safetensors_huge_header,
        savedmodel,
        torch_compressed,
        legacy_pickle_claims,
    )
}
"""Every hostile file, by its builder's name."""


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        print(name, build(target))
