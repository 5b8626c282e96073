"""PyTorch's recurrent parameter counts: why ``torch.nn.LSTM(1, 20)`` has 1,840 parameters.

Keras' ``LSTM(20)`` on one feature has 1,760: PyTorch gives every gate block two bias
vectors, ``bias_ih`` (added to the input projection) and ``bias_hh`` (added to the
recurrent one), where Keras has one. Their sum is all that matters, so the second is
redundant: ``4 × hidden_size`` extra parameters, 80 for ``hidden_size=20``.

PyTorch also stores weights transposed, as ``(gate blocks × hidden_size, inputs)``.
These functions evaluate the ``torch-lstm``, ``torch-gru`` and ``torch-rnn``
families of :mod:`lstmdoc.counting.families`, read off ``RNNBase.__init__`` in
``torch/nn/modules/rnn.py``, the same that ``lstmdoc count torch-lstm`` prints. They
take PyTorch's arguments, by its names. Nothing here imports PyTorch or NumPy.
"""

from __future__ import annotations

from typing import Any

from lstmdoc._checks import describe
from lstmdoc.counting import ParamBreakdown, breakdown
from lstmdoc.counting.families import TORCH_RECURRENT

__all__ = [
    "RECURRENT_BLOCKS",
    "torch_gru_param_count",
    "torch_gru_parameter_shapes",
    "torch_lstm_param_count",
    "torch_lstm_parameter_shapes",
    "torch_recurrent_breakdown",
    "torch_recurrent_formula",
    "torch_rnn_param_count",
    "torch_rnn_parameter_shapes",
]

RECURRENT_BLOCKS = {"LSTM": 4, "GRU": 3, "RNN": 1}
"""The gate blocks of each of PyTorch's recurrent modules (``gate_size`` in ``RNNBase``)."""


def torch_recurrent_breakdown(
    mode: str,
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bias: bool = True,
    bidirectional: bool = False,
    proj_size: int = 0,
) -> ParamBreakdown:
    """Break down ``torch.nn.LSTM``, ``GRU`` or ``RNN``'s parameters, weight by weight.

    Args:
        mode: ``"LSTM"``, ``"GRU"`` or ``"RNN"``.
        input_size, hidden_size, num_layers, bias, bidirectional, proj_size:
            PyTorch's arguments; ``proj_size`` for the LSTM only.

    Raises:
        TypeError: a size that is not an integer, or a flag that is not a bool.
        ValueError: an unknown mode, a size below 1, ``proj_size`` not in
            ``0 .. hidden_size - 1``, or a projection on a GRU or RNN.
    """
    if mode not in tuple(RECURRENT_BLOCKS):  # a tuple compares, so a list is refused too
        raise ValueError(f"mode must be 'LSTM', 'GRU' or 'RNN', got {describe(mode)}")
    arguments: dict[str, Any] = {
        "input_size": input_size,
        "hidden_size": hidden_size,
        "num_layers": num_layers,
        "bias": bias,
        "bidirectional": bidirectional,
    }
    if mode == "LSTM":
        arguments["proj_size"] = proj_size
    elif proj_size != 0:
        # as torch.nn.RNNBase.__init__ refuses it
        raise ValueError(f"proj_size is only supported for LSTM, not {mode}; got {proj_size!r}")
    return breakdown(TORCH_RECURRENT[mode], **arguments)


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
    counted = torch_recurrent_breakdown(
        "LSTM",
        input_size,
        hidden_size,
        num_layers=num_layers,
        bias=bias,
        bidirectional=bidirectional,
        proj_size=proj_size,
    )
    return {weight.name: weight.shape for weight in counted.weights}


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
    counted = torch_recurrent_breakdown(
        "GRU",
        input_size,
        hidden_size,
        num_layers=num_layers,
        bias=bias,
        bidirectional=bidirectional,
    )
    return {weight.name: weight.shape for weight in counted.weights}


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
    counted = torch_recurrent_breakdown(
        "RNN",
        input_size,
        hidden_size,
        num_layers=num_layers,
        bias=bias,
        bidirectional=bidirectional,
    )
    return {weight.name: weight.shape for weight in counted.weights}


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
    return torch_recurrent_breakdown(
        "LSTM",
        input_size,
        hidden_size,
        num_layers=num_layers,
        bias=bias,
        bidirectional=bidirectional,
        proj_size=proj_size,
    ).total


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
    return torch_recurrent_breakdown(
        "GRU",
        input_size,
        hidden_size,
        num_layers=num_layers,
        bias=bias,
        bidirectional=bidirectional,
    ).total


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
    return torch_recurrent_breakdown(
        "RNN",
        input_size,
        hidden_size,
        num_layers=num_layers,
        bias=bias,
        bidirectional=bidirectional,
    ).total


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
    return torch_recurrent_breakdown(
        mode,
        input_size,
        hidden_size,
        num_layers=num_layers,
        bias=bias,
        bidirectional=bidirectional,
        proj_size=proj_size,
    ).substituted
