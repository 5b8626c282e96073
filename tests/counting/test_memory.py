"""lstmdoc.counting.memory: dtype widths and sizes in words, against NumPy and Keras' summary."""

from __future__ import annotations

import numpy as np
import pytest
from keras.src.utils.summary_utils import readable_memory_size

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.counting.memory import BYTES, itemsize, memory_of, readable


@pytest.mark.parametrize(
    "dtype", [d for d in BYTES if d not in {"bfloat16", "float8_e4m3fn", "float8_e5m2"}]
)
def test_each_width_is_numpys(dtype):
    assert itemsize(dtype) == np.dtype(dtype).itemsize


def test_pytorchs_names_are_read_too():
    assert itemsize("torch.bfloat16") == 2
    assert itemsize("qint8") is None


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 8720, 17452, 26172, 5 * 1024**3, 3 * 1024**6])
def test_sizes_read_as_keras_summary_prints_them(size):
    assert readable(size) == readable_memory_size(size)


def test_a_weight_without_a_dtype_leaves_the_bytes_unknown():
    assert memory_of([Weight("kernel", (2, 3), dtype="float32"), Weight("bias", (3,))]) is None


def test_bytes_by_hand():
    """The tutorial's LSTM and Dense: 2,180 float32 values, 8,720 bytes; a frozen int8 table."""
    memory = memory_of(
        [
            Weight("kernel", (1, 80), dtype="float32"),
            Weight("recurrent_kernel", (20, 80), dtype="float32"),
            Weight("bias", (80,), dtype="float32"),
            Weight("kernel", (20, 20), dtype="float32"),
            Weight("bias", (20,), dtype="float32"),
            Weight("embeddings", (10, 4), trainable=False, dtype="int8"),
        ]
    )
    assert memory is not None
    assert dict(memory.by_dtype) == {"float32": (2180, 8720), "int8": (40, 40)}
    assert (memory.trainable_bytes, memory.non_trainable_bytes) == (8720, 40)
    assert memory.formula == "2,180 × 4 (float32) + 40 × 1 (int8)"
