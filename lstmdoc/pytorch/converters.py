"""Keras' recurrent weights in PyTorch's layout, and back, as NumPy arrays.

Both libraries name the LSTM's blocks in the same order (``i, f, g, o``; PyTorch's
``g`` is Keras' cell candidate ``c``); PyTorch stores each weight transposed, as
``(gate blocks × hidden_size, inputs)``, and keeps two biases where Keras keeps one.
PyTorch's GRU orders its blocks ``r, z, n`` where Keras has ``z, r, h``, and matches
Keras' ``reset_after=True``.

``*_to_torch`` turn a Keras layer's ``get_weights()`` into ``state_dict`` entries;
``*_from_torch`` turn a ``state_dict`` into what a Keras layer's ``set_weights()``
takes. Nothing here imports PyTorch: the converters return NumPy arrays, which
``torch.from_numpy`` turns into a ``state_dict``, and read a ``state_dict``'s
tensors with ``numpy.asarray``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from lstmdoc._checks import describe, first_line, flag, float_array, size
from lstmdoc._types import FloatArray
from lstmdoc.gates import check_lstm_weights
from lstmdoc.gru import split_gru_weights

__all__ = [
    "gru_weights_from_torch",
    "gru_weights_to_torch",
    "lstm_weights_from_torch",
    "lstm_weights_to_torch",
    "simple_rnn_weights_from_torch",
    "simple_rnn_weights_to_torch",
]


def lstm_weights_to_torch(
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    layer_index: int = 0,
    reverse: bool = False,
) -> dict[str, FloatArray]:
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
) -> dict[str, FloatArray]:
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
) -> dict[str, FloatArray]:
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


# --- PyTorch to Keras -------------------------------------------------------------


def lstm_weights_from_torch(
    state_dict: Mapping[str, Any],
    *,
    layer_index: int = 0,
    reverse: bool = False,
    prefix: str = "",
) -> list[FloatArray]:
    """Lay out ``torch.nn.LSTM``'s ``state_dict`` entries as a Keras LSTM's weights.

    The way back from :func:`lstm_weights_to_torch`: ``kernel = weight_ih.T``,
    ``recurrent_kernel = weight_hh.T``, and Keras' one bias is ``bias_ih + bias_hh``,
    the sum PyTorch adds in every gate. The gate blocks keep their order (``i, f, g, o``
    is Keras' ``i, f, c, o``).

    The result loads with ``layer.set_weights(result)`` into a ``keras.layers.LSTM(units)``
    built on ``features`` features, which then computes what the PyTorch module does
    (PyTorch's LSTM has only Keras' default ``tanh`` and ``sigmoid`` activations). For
    a ``Bidirectional`` layer, pass the forward weights then those read with
    ``reverse=True``.

    Args:
        state_dict: the module's ``state_dict()``, or any mapping of its names to
            arrays (NumPy arrays or CPU tensors).
        layer_index: the ``k`` of the names ``weight_ih_lk``: which layer of a
            stacked PyTorch LSTM to read.
        reverse: read the backward direction (``weight_ih_lk_reverse``) of a
            bidirectional module.
        prefix: the module's name in a whole model's ``state_dict``, with its dot,
            such as ``"lstm."``.

    Returns:
        ``[kernel (features, 4 * units), recurrent_kernel (units, 4 * units),
        bias (4 * units,)]``, new contiguous arrays of the entries' dtype; without
        biases (``bias=False``), ``[kernel, recurrent_kernel]``, for
        ``LSTM(units, use_bias=False)``.

    Raises:
        TypeError: ``state_dict`` is not a mapping, an entry is not a numeric array,
            or an option has the wrong type.
        ValueError: an entry is missing, the shapes do not fit together as an LSTM's,
            or the module has a projection (``proj_size``), which Keras' LSTM has not.
    """
    kernel, recurrent_kernel, input_bias, recurrent_bias = _keras_arrays(
        state_dict, "LSTM", [0, 1, 2, 3], layer_index, reverse, prefix
    )
    if input_bias is None or recurrent_bias is None:
        return [kernel, recurrent_kernel]
    return [kernel, recurrent_kernel, input_bias + recurrent_bias]


def gru_weights_from_torch(
    state_dict: Mapping[str, Any],
    *,
    layer_index: int = 0,
    reverse: bool = False,
    prefix: str = "",
) -> list[FloatArray]:
    """Lay out ``torch.nn.GRU``'s ``state_dict`` entries as a Keras GRU's weights.

    The way back from :func:`gru_weights_to_torch`. PyTorch's GRU is Keras'
    ``GRU(reset_after=True)``, its default: both keep an input and a recurrent bias,
    because the reset gate multiplies the recurrent projection and its bias. Only the
    block order differs, PyTorch's ``r, z, n`` against Keras' ``z, r, h``: each weight
    is transposed with its first two blocks swapped, and ``bias_ih`` and ``bias_hh``
    become the two rows of Keras' ``(2, 3 * units)`` bias.

    Args:
        state_dict: the module's ``state_dict()``, or any mapping of its names to
            arrays (NumPy arrays or CPU tensors).
        layer_index: which layer of a stacked PyTorch GRU to read.
        reverse: read the backward direction (``..._reverse``).
        prefix: the module's name in a whole model's ``state_dict``, such as ``"gru."``.

    Returns:
        ``[kernel (features, 3 * units), recurrent_kernel (units, 3 * units),
        bias (2, 3 * units)]`` for ``keras.layers.GRU(units)``; without biases,
        ``[kernel, recurrent_kernel]`` for ``GRU(units, use_bias=False)``.

    Raises:
        TypeError: ``state_dict`` is not a mapping, an entry is not a numeric array,
            or an option has the wrong type.
        ValueError: an entry is missing, or the shapes do not fit together as a GRU's.
    """
    kernel, recurrent_kernel, input_bias, recurrent_bias = _keras_arrays(
        state_dict, "GRU", [1, 0, 2], layer_index, reverse, prefix
    )
    if input_bias is None or recurrent_bias is None:
        return [kernel, recurrent_kernel]
    return [kernel, recurrent_kernel, np.stack([input_bias, recurrent_bias])]


def simple_rnn_weights_from_torch(
    state_dict: Mapping[str, Any],
    *,
    layer_index: int = 0,
    reverse: bool = False,
    prefix: str = "",
) -> list[FloatArray]:
    """Lay out ``torch.nn.RNN``'s ``state_dict`` entries as a Keras SimpleRNN's weights.

    The way back from :func:`simple_rnn_weights_to_torch`: ``kernel = weight_ih.T``,
    ``recurrent_kernel = weight_hh.T`` and ``bias = bias_ih + bias_hh``. A
    ``state_dict`` does not record the module's ``nonlinearity``: give the Keras layer
    the same activation, ``"tanh"`` (both defaults) or ``"relu"``.

    Returns:
        ``[kernel (features, units), recurrent_kernel (units, units), bias (units,)]``
        for ``keras.layers.SimpleRNN(units)``; without biases,
        ``[kernel, recurrent_kernel]``.

    Raises:
        TypeError: ``state_dict`` is not a mapping, an entry is not a numeric array,
            or an option has the wrong type.
        ValueError: an entry is missing, or the shapes do not fit together as an RNN's.
    """
    kernel, recurrent_kernel, input_bias, recurrent_bias = _keras_arrays(
        state_dict, "RNN", [0], layer_index, reverse, prefix
    )
    if input_bias is None or recurrent_bias is None:
        return [kernel, recurrent_kernel]
    return [kernel, recurrent_kernel, input_bias + recurrent_bias]


# --- private helpers -------------------------------------------------------------


def _torch_entries(
    kernel: FloatArray,
    recurrent_kernel: FloatArray,
    input_bias: FloatArray | None,
    recurrent_bias: FloatArray | None,
    order: list[int],
    layer_index: Any,
    reverse: Any,
) -> dict[str, FloatArray]:
    """Reorder the gate blocks to PyTorch's ``order`` and transpose to its layout."""
    layer_index = size("layer_index", layer_index, minimum=0)
    suffix = f"_l{layer_index}{'_reverse' if flag('reverse', reverse) else ''}"

    def reorder(array: FloatArray) -> FloatArray:
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


# The modules' names, by their number of gate blocks, to say what a wrong shape is.
_MODULES_BY_BLOCKS = {4: "torch.nn.LSTM", 3: "torch.nn.GRU", 1: "torch.nn.RNN"}


def _keras_arrays(
    state_dict: Any,
    module: str,
    order: list[int],
    layer_index: Any,
    reverse: Any,
    prefix: Any,
) -> tuple[FloatArray, FloatArray, FloatArray | None, FloatArray | None]:
    """Read one layer and direction of a PyTorch recurrent module, in Keras' layout.

    Returns ``(kernel, recurrent_kernel, input_bias, recurrent_bias)``, each with its
    gate blocks in Keras' ``order`` and its weights transposed to ``(inputs, blocks ×
    units)``; both biases are ``None`` for a module without them.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            "state_dict must be a mapping of names to arrays, such as module.state_dict(), "
            f"got {describe(state_dict)}"
        )
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string, such as 'lstm.', got {describe(prefix)}")
    layer_index = size("layer_index", layer_index, minimum=0)
    suffix = f"_l{layer_index}{'_reverse' if flag('reverse', reverse) else ''}"
    name = {
        part: f"{prefix}{part}{suffix}"
        for part in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
    }
    blocks = len(order)
    if name["weight_hr"] in state_dict:
        raise ValueError(
            f"{name['weight_hr']} is a projection (a torch.nn.LSTM with proj_size > 0), "
            f"which Keras' {module} has not"
        )
    for part in ("weight_ih", "weight_hh"):
        if name[part] not in state_dict:
            found = [key for key in state_dict if isinstance(key, str) and "weight_ih_l" in key]
            wanted = f"{part}{suffix}"
            prefixes = [key[: -len(wanted)] for key in state_dict if str(key).endswith(wanted)]
            raise ValueError(
                f"state_dict has no {name[part]!r}, which a torch.nn.{module} has; "
                + (f"input weights it has: {found[:6]}" if found else "it has no input weights")
                + (f" (pass prefix={prefixes[0]!r})" if prefixes else "")
            )
    weight_hh = _entry(state_dict, name["weight_hh"], ndim=2)
    rows, units = weight_hh.shape
    if units == 0 or rows != blocks * units:
        shape_of = _MODULES_BY_BLOCKS.get(rows // units) if units and rows % units == 0 else None
        raise ValueError(
            f"{name['weight_hh']} must have shape ({blocks} * hidden_size, hidden_size) for a "
            f"torch.nn.{module}, got {weight_hh.shape}"
            + (f", the shape of a {shape_of}'s" if shape_of else "")
        )
    weight_ih = _entry(state_dict, name["weight_ih"], ndim=2)
    if weight_ih.shape[0] != rows or weight_ih.shape[1] == 0:
        raise ValueError(
            f"{name['weight_ih']} must have shape ({rows}, input_size) to match "
            f"{name['weight_hh']}'s hidden_size={units} ({blocks} * {units} rows), "
            f"got {weight_ih.shape}"
        )
    has_bias = [name[part] in state_dict for part in ("bias_ih", "bias_hh")]
    if any(has_bias) != all(has_bias):
        present, absent = (name["bias_ih"], name["bias_hh"])[:: 1 if has_bias[0] else -1]
        raise ValueError(
            f"state_dict has {present!r} but not {absent!r}: a torch.nn.{module} has both "
            "biases or neither"
        )
    biases: list[FloatArray | None] = [None, None]
    if all(has_bias):
        for index, part in enumerate(("bias_ih", "bias_hh")):
            bias = _entry(state_dict, name[part], ndim=1)
            if bias.shape != (rows,):
                raise ValueError(
                    f"{name[part]} must have shape ({rows},) to match {name['weight_hh']}'s "
                    f"hidden_size={units} ({blocks} * {units}), got {bias.shape}"
                )
            biases[index] = np.concatenate([np.split(bias, blocks)[block] for block in order])

    def keras_layout(weight: FloatArray) -> FloatArray:
        parts = np.split(weight, blocks, axis=0)
        return np.ascontiguousarray(np.concatenate([parts[block] for block in order]).T)

    return keras_layout(weight_ih), keras_layout(weight_hh), biases[0], biases[1]


def _entry(state_dict: Mapping[str, Any], name: str, *, ndim: int) -> FloatArray:
    """A state_dict's entry as a floating-point NumPy array of ``ndim`` dimensions."""
    try:
        return float_array(name, state_dict[name], ndim=ndim)
    except RuntimeError as error:  # a tensor that requires grad refuses numpy.asarray
        raise TypeError(
            f"{name} must be a numeric array ({first_line(error)}); module.state_dict() "
            "gives detached tensors"
        ) from None
