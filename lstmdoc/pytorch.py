"""PyTorch's recurrent parameter counts, and Keras weights in PyTorch's layout.

Why ``torch.nn.LSTM(1, 20)`` has 1,840 parameters where ``keras.layers.LSTM(20)`` on
one feature has 1,760: PyTorch gives every gate block two bias vectors,
``bias_ih`` (added to the input projection) and ``bias_hh`` (added to the recurrent
one), where Keras has one. Their sum is all that matters, so the second is
redundant: ``4 × hidden_size`` extra parameters, 80 for ``hidden_size=20``.

PyTorch also stores weights transposed, as ``(gate blocks × hidden_size, inputs)``,
and names the LSTM's blocks ``i, f, g, o`` (``g`` is Keras' cell candidate ``c``),
in the same order as Keras. Its GRU orders the blocks ``r, z, n`` where Keras has
``z, r, h``, and matches Keras' ``reset_after=True``.

Nothing here imports PyTorch: the counts are arithmetic and the converters return
NumPy arrays, which ``torch.from_numpy`` turns into a ``state_dict``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from lstmdoc import counting
from lstmdoc._checks import describe, flag, positive_int
from lstmdoc._types import FloatArray
from lstmdoc.gates import check_lstm_weights
from lstmdoc.gru import split_gru_weights

__all__ = [
    "RECURRENT_BLOCKS",
    "gru_weights_to_torch",
    "lstm_weights_to_torch",
    "simple_rnn_weights_to_torch",
    "torch_gru_param_count",
    "torch_gru_parameter_shapes",
    "torch_lstm_param_count",
    "torch_lstm_parameter_shapes",
    "torch_recurrent_formula",
    "torch_rnn_param_count",
    "torch_rnn_parameter_shapes",
]

RECURRENT_BLOCKS = {"LSTM": 4, "GRU": 3, "RNN": 1}
"""The gate blocks of each of PyTorch's recurrent modules (``gate_size`` in ``RNNBase``)."""


def torch_lstm_parameter_shapes(
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bias: bool = True,
    bidirectional: bool = False,
    proj_size: int = 0,
) -> dict[str, tuple[int, ...]]:
    """Return the shapes of ``torch.nn.LSTM``'s parameters, by name, in PyTorch's order.

    The arguments are PyTorch's, with its meanings. Per layer ``k`` and direction
    (``_reverse`` names the backward one), with ``H = hidden_size`` and
    ``P = proj_size or hidden_size``:
    ``weight_ih_lk (4H, inputs)``, ``weight_hh_lk (4H, P)``, with ``bias``
    ``bias_ih_lk (4H,)`` and ``bias_hh_lk (4H,)``, and with ``proj_size``
    ``weight_hr_lk (proj_size, H)``. Layer 0's inputs are ``input_size``; a
    later layer's are ``P``, or ``2P`` when bidirectional.

    Raises:
        TypeError: a size that is not an integer, or a flag that is not a bool.
        ValueError: a size below 1, or ``proj_size`` not in ``0 .. hidden_size - 1``.
    """
    return _parameter_shapes(4, input_size, hidden_size, num_layers, bias, bidirectional, proj_size)


def torch_gru_parameter_shapes(
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bias: bool = True,
    bidirectional: bool = False,
) -> dict[str, tuple[int, ...]]:
    """Return the shapes of ``torch.nn.GRU``'s parameters, by name, in PyTorch's order.

    As :func:`torch_lstm_parameter_shapes`, with three gate blocks (``3H`` rows)
    and no projection.
    """
    return _parameter_shapes(3, input_size, hidden_size, num_layers, bias, bidirectional, 0)


def torch_rnn_parameter_shapes(
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bias: bool = True,
    bidirectional: bool = False,
) -> dict[str, tuple[int, ...]]:
    """Return the shapes of ``torch.nn.RNN``'s parameters, by name, in PyTorch's order.

    As :func:`torch_lstm_parameter_shapes`, with one block (``H`` rows) and no
    projection. The ``nonlinearity`` does not change the shapes.
    """
    return _parameter_shapes(1, input_size, hidden_size, num_layers, bias, bidirectional, 0)


def torch_lstm_param_count(
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bias: bool = True,
    bidirectional: bool = False,
    proj_size: int = 0,
) -> int:
    """Return the parameter count of ``torch.nn.LSTM`` with these arguments.

    One layer, one direction, no projection:
    ``4 × hidden_size × (input_size + hidden_size + 2)``, two bias vectors where
    Keras' ``4 × units × (features + units + 1)`` has one.
    ``torch_lstm_param_count(1, 20)`` is 1,840.
    """
    shapes = torch_lstm_parameter_shapes(
        input_size,
        hidden_size,
        num_layers=num_layers,
        bias=bias,
        bidirectional=bidirectional,
        proj_size=proj_size,
    )
    return sum(math.prod(shape) for shape in shapes.values())


def torch_gru_param_count(
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bias: bool = True,
    bidirectional: bool = False,
) -> int:
    """Return the parameter count of ``torch.nn.GRU`` with these arguments.

    One layer, one direction: ``3 × hidden_size × (input_size + hidden_size + 2)``,
    the same as Keras' ``GRU(reset_after=True)``, which also keeps two biases.
    """
    shapes = torch_gru_parameter_shapes(
        input_size, hidden_size, num_layers=num_layers, bias=bias, bidirectional=bidirectional
    )
    return sum(math.prod(shape) for shape in shapes.values())


def torch_rnn_param_count(
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bias: bool = True,
    bidirectional: bool = False,
) -> int:
    """Return the parameter count of ``torch.nn.RNN`` with these arguments.

    One layer, one direction: ``hidden_size × (input_size + hidden_size + 2)``,
    one bias vector more than Keras' ``SimpleRNN``.
    """
    shapes = torch_rnn_parameter_shapes(
        input_size, hidden_size, num_layers=num_layers, bias=bias, bidirectional=bidirectional
    )
    return sum(math.prod(shape) for shape in shapes.values())


def torch_recurrent_formula(
    mode: str,
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bias: bool = True,
    bidirectional: bool = False,
    proj_size: int = 0,
) -> str:
    """Return the count of ``torch.nn.LSTM``, ``GRU`` or ``RNN`` as a formula with its numbers.

    One layer, one direction: ``4 × 20 × (1 + 20 + 2)`` for ``LSTM(1, 20)``, each of
    the four blocks seeing the input, the hidden state and two biases. A projection
    adds ``proj_size × hidden_size`` and feeds back ``proj_size`` numbers instead of
    ``hidden_size``; ``bidirectional=True`` doubles each layer, and every layer
    after the first reads the outputs of the one below (``2 × proj_size`` numbers
    when bidirectional).

    Args:
        mode: ``"LSTM"``, ``"GRU"`` or ``"RNN"``.
        input_size, hidden_size, num_layers, bias, bidirectional, proj_size:
            PyTorch's arguments; ``proj_size`` for the LSTM only.
    """
    if mode not in tuple(RECURRENT_BLOCKS):  # a tuple compares, so a list is refused too
        raise ValueError(f"mode must be 'LSTM', 'GRU' or 'RNN', got {describe(mode)}")
    if mode != "LSTM" and proj_size != 0:
        # as torch.nn.RNNBase.__init__ refuses it
        raise ValueError(f"proj_size is only supported for LSTM, not {mode}; got {proj_size!r}")
    blocks = RECURRENT_BLOCKS[mode]
    shapes = _parameter_shapes(
        blocks, input_size, hidden_size, num_layers, bias, bidirectional, proj_size
    )
    hidden, projected = shapes["weight_hh_l0"][0] // blocks, shapes["weight_hh_l0"][1]
    directions = 2 if bidirectional else 1
    factor = f"{blocks} × " if blocks > 1 else ""
    biases = " + 2" if bias else ""

    def layer(inputs: int) -> str:
        text = f"{factor}{hidden} × ({inputs} + {projected}{biases})"
        if proj_size:
            text += f" + {projected} × {hidden}"
        return f"{directions} × {counting.grouped(text)}" if directions > 1 else text

    formula = layer(shapes["weight_ih_l0"][1])
    if num_layers > 1:
        later = layer(directions * projected)
        formula += (
            f" + {later}" if num_layers == 2 else f" + {num_layers - 1} × {counting.grouped(later)}"
        )
    return formula


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


# --- private helpers -------------------------------------------------------------


def _non_negative_int(name: str, value: Any, expected: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {expected}, got {describe(value)}")
    if value < 0:
        raise ValueError(f"{name} must be {expected}, got {int(value)}")
    return int(value)


def _parameter_shapes(
    blocks: int,
    input_size: Any,
    hidden_size: Any,
    num_layers: Any,
    bias: Any,
    bidirectional: Any,
    proj_size: Any,
) -> dict[str, tuple[int, ...]]:
    """Follow ``torch.nn.RNNBase.__init__``: layers, then directions, then weights."""
    input_size = positive_int("input_size", input_size)
    hidden_size = positive_int("hidden_size", hidden_size)
    num_layers = positive_int("num_layers", num_layers)
    bias = flag("bias", bias)
    bidirectional = flag("bidirectional", bidirectional)
    expected = f"0 (no projection) or an integer from 1 to hidden_size - 1 = {hidden_size - 1}"
    proj_size = _non_negative_int("proj_size", proj_size, expected)
    if proj_size >= hidden_size:
        raise ValueError(f"proj_size must be {expected}, got {proj_size}")
    gate_rows = blocks * hidden_size
    outputs = proj_size or hidden_size
    directions = ["", "_reverse"] if bidirectional else [""]
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in range(num_layers):
        inputs = input_size if layer == 0 else outputs * len(directions)
        for suffix in directions:
            shapes[f"weight_ih_l{layer}{suffix}"] = (gate_rows, inputs)
            shapes[f"weight_hh_l{layer}{suffix}"] = (gate_rows, outputs)
            if bias:
                shapes[f"bias_ih_l{layer}{suffix}"] = (gate_rows,)
                shapes[f"bias_hh_l{layer}{suffix}"] = (gate_rows,)
            if proj_size:
                shapes[f"weight_hr_l{layer}{suffix}"] = (proj_size, hidden_size)
    return shapes


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
    layer_index = _non_negative_int("layer_index", layer_index, "a non-negative integer")
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
