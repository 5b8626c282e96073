"""Keras' recurrent weights in PyTorch's layout, and back, as NumPy arrays.

Both libraries name the LSTM's blocks in the same order (``i, f, g, o``; PyTorch's
``g`` is Keras' cell candidate ``c``); PyTorch stores each weight transposed, as
``(gate blocks × hidden_size, inputs)``, and keeps two biases where Keras keeps one.
PyTorch's GRU orders its blocks ``r, z, n`` where Keras has ``z, r, h``, and matches
Keras' ``reset_after=True``.

Nothing here imports PyTorch: the converters return NumPy arrays, which
``torch.from_numpy`` turns into a ``state_dict``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from lstmdoc._checks import flag, size
from lstmdoc.gates import check_lstm_weights
from lstmdoc.gru import split_gru_weights

__all__ = ["gru_weights_to_torch", "lstm_weights_to_torch", "simple_rnn_weights_to_torch"]

Array = NDArray[np.floating[Any]]


def lstm_weights_to_torch(
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    layer_index: int = 0,
    reverse: bool = False,
) -> dict[str, Array]:
    """Lay out a Keras LSTM's weights as ``torch.nn.LSTM``'s ``state_dict`` entries.

    Both libraries order the gate blocks input, forget, candidate, output, so each
    weight is only transposed: ``weight_ih = kernel.T (4 * units, features)`` and
    ``weight_hh = recurrent_kernel.T (4 * units, units)``. Keras' one bias becomes
    ``bias_ih``, and ``bias_hh`` is zeros: PyTorch only ever adds the two.

    The result loads into ``torch.nn.LSTM(features, units, bias=..., batch_first=True)``
    with ``{name: torch.from_numpy(array) for name, array in result.items()}``, and
    then computes what Keras does, for Keras' default ``tanh`` and ``sigmoid``
    activations (PyTorch has no others).

    Args:
        kernel: ``(features, 4 * units)``, as in ``layer.get_weights()``.
        recurrent_kernel: ``(units, 4 * units)``.
        bias: ``(4 * units,)``, or ``None`` for a layer without bias (load into
            ``torch.nn.LSTM(..., bias=False)``).
        layer_index: the ``k`` of the names ``weight_ih_lk``: which layer of a
            stacked PyTorch LSTM these weights are.
        reverse: name them for the backward direction (``weight_ih_lk_reverse``),
            for the ``backward_layer`` of a Keras ``Bidirectional``.

    Returns:
        ``weight_ih_lk``, ``weight_hh_lk`` and, with a bias, ``bias_ih_lk`` and
        ``bias_hh_lk``: new contiguous arrays of the input's dtype.

    Raises:
        TypeError: a weight that is not a numeric array, or a bad option.
        ValueError: the shapes do not fit together as an LSTM's.
    """
    kernel, recurrent_kernel, bias = check_lstm_weights(kernel, recurrent_kernel, bias)
    return _torch_entries(kernel, recurrent_kernel, bias, None, [0, 1, 2, 3], layer_index, reverse)


def gru_weights_to_torch(
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    layer_index: int = 0,
    reverse: bool = False,
) -> dict[str, Array]:
    """Lay out a Keras GRU's weights as ``torch.nn.GRU``'s ``state_dict`` entries.

    PyTorch's GRU is Keras' ``GRU(reset_after=True)``: the reset gate multiplies the
    recurrent projection and its bias, and both keep an input and a recurrent bias.
    Only the block order differs: Keras stores ``z, r, h``, PyTorch ``r, z, n``. So
    ``weight_ih`` is ``kernel.T`` with the first two blocks of rows swapped, and
    likewise ``weight_hh``, ``bias_ih`` (Keras' ``bias[0]``) and ``bias_hh``
    (``bias[1]``).

    Args:
        kernel: ``(features, 3 * units)``.
        recurrent_kernel: ``(units, 3 * units)``.
        bias: ``(2, 3 * units)``, as a ``reset_after=True`` GRU has, or ``None``
            for a layer without bias, which must also have had ``reset_after=True``:
            without a bias the weights cannot show the setting.
        layer_index: the ``k`` of the names ``weight_ih_lk``.
        reverse: name them for the backward direction (``..._reverse``).

    Returns:
        ``weight_ih_lk (3 * units, features)``, ``weight_hh_lk (3 * units, units)``
        and, with a bias, ``bias_ih_lk`` and ``bias_hh_lk (3 * units,)``.

    Raises:
        TypeError: a weight that is not a numeric array, or a bad option.
        ValueError: shapes that do not fit together, or the ``(3 * units,)`` bias of a
            ``reset_after=False`` GRU, which no PyTorch GRU computes.
    """
    gates = split_gru_weights(kernel, recurrent_kernel, bias)
    if gates.reset_after is False:
        raise ValueError(
            f"bias must have shape (2, {3 * gates.units}) (a GRU with reset_after=True), got "
            f"({3 * gates.units},): a reset_after=False GRU applies its reset gate before the "
            "recurrent product, which torch.nn.GRU cannot do"
        )
    kernel, recurrent_kernel, *rest = gates.join()
    input_bias, recurrent_bias = (rest[0][0], rest[0][1]) if rest else (None, None)
    return _torch_entries(
        kernel, recurrent_kernel, input_bias, recurrent_bias, [1, 0, 2], layer_index, reverse
    )


def simple_rnn_weights_to_torch(
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    layer_index: int = 0,
    reverse: bool = False,
) -> dict[str, Array]:
    """Lay out a Keras SimpleRNN's weights as ``torch.nn.RNN``'s ``state_dict`` entries.

    ``weight_ih = kernel.T (units, features)``, ``weight_hh = recurrent_kernel.T
    (units, units)``, ``bias_ih = bias`` and ``bias_hh`` zeros. Equal outputs need
    the same activation on both sides: ``tanh`` (both defaults) or ``relu``.

    Raises:
        TypeError: a weight that is not a numeric array, or a bad option.
        ValueError: the shapes do not fit together as a SimpleRNN's.
    """
    kernel, recurrent_kernel, bias = check_lstm_weights(
        kernel, recurrent_kernel, bias, blocks=1, layer="SimpleRNN"
    )
    return _torch_entries(kernel, recurrent_kernel, bias, None, [0], layer_index, reverse)


# --- private helpers -------------------------------------------------------------


def _torch_entries(
    kernel: Array,
    recurrent_kernel: Array,
    input_bias: Array | None,
    recurrent_bias: Array | None,
    order: list[int],
    layer_index: Any,
    reverse: Any,
) -> dict[str, Array]:
    """Reorder the gate blocks to PyTorch's ``order`` and transpose to its layout."""
    layer_index = size("layer_index", layer_index, minimum=0)
    suffix = f"_l{layer_index}{'_reverse' if flag('reverse', reverse) else ''}"

    def reorder(array: Array) -> Array:
        blocks = np.split(array, len(order), axis=-1)
        return np.ascontiguousarray(np.concatenate([blocks[index] for index in order], axis=-1))

    entries = {
        f"weight_ih{suffix}": np.ascontiguousarray(reorder(kernel).T),
        f"weight_hh{suffix}": np.ascontiguousarray(reorder(recurrent_kernel).T),
    }
    if input_bias is not None:
        entries[f"bias_ih{suffix}"] = reorder(input_bias)
        entries[f"bias_hh{suffix}"] = (
            np.zeros_like(entries[f"bias_ih{suffix}"])
            if recurrent_bias is None
            else reorder(recurrent_bias)
        )
    return entries
