"""Index a Keras weights file as data: each layer's group, and the shapes of its arrays.

Keras 3 writes a layer's arrays in a group of its own (``layers/dense/vars/0``,
``layers/dense/vars/1``), with the layer's name as the ``vars`` group's ``name``
attribute; Keras 2's ``.h5`` format writes them under ``model_weights/<layer name>``.
:func:`index` walks either with h5py and records, for every group, the number of
values stored beneath it, and for every ``vars`` group its arrays' shapes; it reads
shapes and names, never an array's values.

The walk is bounded whatever the file holds: every object is visited once, however
many hard links lead to it (a link back to the root makes no loop); soft and
external links are never followed; the depth, the number of objects and the size of
a name attribute are capped. NumPy and h5py are imported by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_OBJECTS", "WeightsFile", "index", "shape_size"]

MAX_OBJECTS = 500_000
"""The most groups and arrays lstmdoc visits in a weights file: a model of 100,000 layers."""

MAX_DEPTH = 64
"""How deep groups may nest in a weights file."""

_MAX_NAME_BYTES = 1 << 20  # a layer's name; a longer one is not a name


@dataclass(frozen=True)
class WeightsFile:
    """The groups of a Keras weights file: each layer's name, and the sizes stored beneath.

    Attributes:
        names: for each layer name, the paths of the groups that hold its arrays,
            such as ``"layers/dense"``: from the name Keras records in the group
            (Keras 3), or the group's own name (Keras 2's ``.h5``).
        sizes: for each group path, the number of values in the arrays beneath it.
        arrays: for each group path, the arrays stored directly in it (in its
            ``vars`` group, for Keras 3), each as its name and shape.
        children: for each group path, the groups beneath it that hold arrays.
        named: for each group path, the layer name Keras recorded for it (Keras 3).
        root: the group whose sizes are the model's: ``""``, or ``"model_weights"``.
    """

    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sizes: Mapping[str, int] = field(default_factory=dict)
    arrays: Mapping[str, tuple[tuple[str, tuple[int, ...]], ...]] = field(default_factory=dict)
    children: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    named: Mapping[str, str] = field(default_factory=dict)
    root: str = ""

    def find(self, parent: str, name: str) -> str | None:
        """The path of the group of the layer ``name`` beneath ``parent``, the shallowest."""
        prefix = f"{parent}/" if parent else ""
        found = [path for path in self.names.get(name, ()) if path.startswith(prefix)]
        return min(found, key=lambda path: path.count("/")) if found else None

    def size(self, path: str) -> int:
        """The number of values stored beneath ``path``."""
        return self.sizes.get(path, 0)

    def shapes_beneath(self, path: str) -> list[tuple[int, ...]]:
        """The shapes of every array stored at or beneath the group ``path``."""
        shapes = [shape for _, shape in self.arrays.get(path, ())]
        for key in self.children.get(path, ()):
            shapes += self.shapes_beneath(f"{path}/{key}" if path else key)
        return shapes

    @property
    def model_params(self) -> int:
        """The values stored for the model: everything but the optimizer's variables."""
        if self.root:
            return self.sizes.get(self.root, 0)
        return sum(self.sizes.get(top, 0) for top in self._tops() if top != "optimizer")

    def _tops(self) -> list[str]:
        return [path for path in self.sizes if "/" not in path]


def index(h5py: Any, group: Any, *, legacy: bool = False, root: str = "") -> WeightsFile:
    """Index an open HDF5 group (a weights file's root): names, sizes and shapes.

    Args:
        h5py: the h5py module.
        group: the open ``h5py.File`` or group.
        legacy: Keras 2's layout, where each group is named after its layer.
        root: the group whose sizes are the model's, its ``root``.

    Raises:
        ValueError: the file nests deeper, or holds more objects, than any Keras
            model writes.
    """
    walk = _Walk(h5py, legacy)
    walk.visit(group, "")
    return WeightsFile(
        {name: tuple(paths) for name, paths in walk.names.items()},
        walk.sizes,
        {path: tuple(arrays) for path, arrays in walk.arrays.items()},
        {path: tuple(inner) for path, inner in walk.children.items()},
        walk.named,
        root,
    )


def shape_size(shape: Any) -> int:
    """The number of values in an array of ``shape`` (0 for HDF5's empty dataspace)."""
    return 0 if shape is None else math.prod(int(size) for size in shape)


class _Walk:
    def __init__(self, h5py: Any, legacy: bool) -> None:
        self.h5py = h5py
        self.legacy = legacy
        self.names: dict[str, list[str]] = {}
        self.sizes: dict[str, int] = {}
        self.arrays: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
        self.children: dict[str, list[str]] = {}
        self.named: dict[str, str] = {}
        self.seen: set[int] = set()

    def visit(self, group: Any, path: str) -> int:
        """Record the group at ``path`` and everything beneath it; return the values stored."""
        if path.count("/") >= MAX_DEPTH:
            raise ValueError(f"the weights file nests groups more than {MAX_DEPTH} deep")
        total = 0
        for key in group:
            item = self._hard_link(group, key)
            if item is None:
                continue
            child = f"{path}/{key}" if path else str(key)
            if isinstance(item, self.h5py.Dataset):
                size = shape_size(item.shape)
                total += size
                owner = "" if path == "vars" else path.removesuffix("/vars")
                self.arrays.setdefault(owner, []).append((str(key), _shape(item.shape)))
            elif isinstance(item, self.h5py.Group):
                size = self.visit(item, child)
                self.sizes[child] = size
                total += size
                if key == "vars":
                    name = _name(item.attrs)
                    if name is not None:
                        self.names.setdefault(name, []).append(path)
                        self.named[path] = name
                else:
                    if self.legacy:
                        self.names.setdefault(str(key), []).append(child)
                    if size:
                        self.children.setdefault(path, []).append(str(key))
        return total

    def _hard_link(self, group: Any, key: str) -> Any:
        """The object ``key`` names, if it is a hard link to an object not yet visited."""
        # Only hard links: a soft or external link could point anywhere, even at
        # another file, and Keras never writes one.
        if not isinstance(group.get(key, getlink=True), self.h5py.HardLink):
            return None
        item = group.get(key)
        identity = hash(item.id)
        if identity in self.seen:
            return None
        self.seen.add(identity)
        if len(self.seen) > MAX_OBJECTS:
            raise ValueError(f"the weights file holds more than {MAX_OBJECTS:,} objects")
        return item


def _name(attributes: Any) -> str | None:
    """A group's ``name`` attribute, if it is a string of a sensible length."""
    try:
        name = attributes.get("name")
    except (OSError, TypeError, ValueError):
        return None
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    if not isinstance(name, str) or len(name) > _MAX_NAME_BYTES:
        return None
    return name


def _shape(shape: Any) -> tuple[int, ...]:
    return () if shape is None else tuple(int(size) for size in shape)
