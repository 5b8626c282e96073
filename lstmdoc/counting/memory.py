"""What the values of a model take in memory: bytes per dtype, as the summaries print them.

Keras' ``model.summary()`` follows each count with its size, ``Total params: 2,180
(8.52 KB)``: the bytes of every variable, its values times its dtype's width
(``summary_utils.weight_memory_size``), in units of 1,024 bytes
(``summary_utils.readable_memory_size``). Read off Keras 3.15. The count does not say
the size: a ``float16`` weight takes half of what a ``float32`` one does, an ``int8``
quantized kernel a quarter, and a ``mixed_float16`` layer keeps its weights in
``float32`` all the same. So lstmdoc keeps each weight's dtype beside its shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lstmdoc.counting.breakdowns import Weight

__all__ = ["BYTES", "Memory", "itemsize", "memory_of", "readable"]

BYTES: Mapping[str, int] = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "float8_e4m3fn": 1,
    "float8_e5m2": 1,
    "complex128": 16,
    "complex64": 8,
    "int64": 8,
    "int32": 4,
    "int16": 2,
    "int8": 1,
    "uint64": 8,
    "uint32": 4,
    "uint16": 2,
    "uint8": 1,
    "bool": 1,
}
"""The bytes of one value of each dtype, by the name NumPy, Keras and PyTorch share."""

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def itemsize(dtype: str | None) -> int | None:
    """The bytes of one value of ``dtype`` (``"float32"``, or PyTorch's ``"torch.float32"``).

    ``None`` for ``None`` or a dtype lstmdoc does not know.
    """
    if dtype is None:
        return None
    return BYTES.get(dtype.removeprefix("torch."))


def readable(size: float) -> str:
    """``size`` bytes as Keras' summary prints them: ``8720`` is ``"8.52 KB"`` (1 KB = 1,024 B)."""
    for unit in _UNITS:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {_UNITS[-1]}"  # as Keras prints it: past 1,024 PB, divided once more


@dataclass(frozen=True)
class Memory:
    """The bytes a model's weights take, and its optimizer's, where their dtypes are known.

    Attributes:
        by_dtype: for each dtype, its values and their bytes, such as
            ``{"float32": (2180, 8720)}``.
        trainable_bytes: the bytes of the weights the optimizer updates.
        non_trainable_bytes: the bytes of the rest.
        optimizer_bytes: the bytes of the optimizer's variables, where the model has a
            built optimizer whose variables lstmdoc derives, else ``None``.
    """

    by_dtype: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    trainable_bytes: int = 0
    non_trainable_bytes: int = 0
    optimizer_bytes: int | None = None

    @property
    def weight_bytes(self) -> int:
        """The bytes of every weight: trainable and non-trainable."""
        return self.trainable_bytes + self.non_trainable_bytes

    @property
    def total_bytes(self) -> int:
        """The weights' bytes and the optimizer's, as Keras' "Total params" size adds them."""
        return self.weight_bytes + (self.optimizer_bytes or 0)

    @property
    def formula(self) -> str:
        """The weights' bytes term by term, such as ``2,180 × 4 (float32)``."""
        return (
            " + ".join(
                f"{values:,} × {size // values if values else 0} ({dtype})"
                for dtype, (values, size) in self.by_dtype.items()
            )
            or "0"
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the memory as plain JSON-ready Python values."""
        return {
            "by_dtype": {
                dtype: {"values": values, "bytes": size}
                for dtype, (values, size) in self.by_dtype.items()
            },
            "weight_bytes": self.weight_bytes,
            "trainable_bytes": self.trainable_bytes,
            "non_trainable_bytes": self.non_trainable_bytes,
            "optimizer_bytes": self.optimizer_bytes,
            "total_bytes": self.total_bytes,
        }


def memory_of(weights: Iterable[Weight], optimizer_bytes: int | None = None) -> Memory | None:
    """The bytes of ``weights``, or ``None`` if one of them has no known dtype."""
    by_dtype: dict[str, tuple[int, int]] = {}
    trainable = frozen = 0
    for weight in weights:
        width = itemsize(weight.dtype)
        if weight.dtype is None or width is None:
            return None
        dtype = weight.dtype.removeprefix("torch.")
        values, size = by_dtype.get(dtype, (0, 0))
        by_dtype[dtype] = (values + weight.count, size + weight.count * width)
        if weight.trainable:
            trainable += weight.count * width
        else:
            frozen += weight.count * width
    return Memory(dict(sorted(by_dtype.items())), trainable, frozen, optimizer_bytes)
