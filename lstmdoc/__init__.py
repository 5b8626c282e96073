"""lstmdoc: where an LSTM's parameters come from, and what they do.

Importing lstmdoc needs only NumPy; TensorFlow is imported lazily, only by the
helpers that take a Keras object.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from lstmdoc.counting import (
    ParamBreakdown,
    Weight,
    dense_param_breakdown,
    dense_param_count,
    gru_param_breakdown,
    gru_param_count,
    lstm_param_breakdown,
    lstm_param_count,
    simple_rnn_param_breakdown,
    simple_rnn_param_count,
)
from lstmdoc.explaining import explain, explain_file
from lstmdoc.forward import ACTIVATIONS, LSTMTrace, lstm_forward, lstm_trace
from lstmdoc.gates import LSTM_GATE_NAMES, Gate, LSTMGates, split_lstm_weights
from lstmdoc.gru import GRU_GATE_NAMES, GRUGate, GRUGates, gru_forward, split_gru_weights
from lstmdoc.pytorch import (
    gru_weights_to_torch,
    lstm_weights_to_torch,
    simple_rnn_weights_to_torch,
    torch_gru_param_count,
    torch_gru_parameter_shapes,
    torch_lstm_param_count,
    torch_lstm_parameter_shapes,
    torch_rnn_param_count,
    torch_rnn_parameter_shapes,
)
from lstmdoc.report import LayerRow, LayerWeight, ModelReport, OptimizerRow

try:
    __version__ = version("lstmdoc")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "ACTIVATIONS",
    "GRU_GATE_NAMES",
    "LSTM_GATE_NAMES",
    "GRUGate",
    "GRUGates",
    "Gate",
    "LSTMGates",
    "LSTMTrace",
    "LayerRow",
    "LayerWeight",
    "ModelReport",
    "OptimizerRow",
    "ParamBreakdown",
    "Weight",
    "__version__",
    "dense_param_breakdown",
    "dense_param_count",
    "explain",
    "explain_file",
    "gru_forward",
    "gru_param_breakdown",
    "gru_param_count",
    "gru_weights_to_torch",
    "lstm_forward",
    "lstm_param_breakdown",
    "lstm_param_count",
    "lstm_trace",
    "lstm_weights_to_torch",
    "simple_rnn_param_breakdown",
    "simple_rnn_param_count",
    "simple_rnn_weights_to_torch",
    "split_gru_weights",
    "split_lstm_weights",
    "torch_gru_param_count",
    "torch_gru_parameter_shapes",
    "torch_lstm_param_count",
    "torch_lstm_parameter_shapes",
    "torch_rnn_param_count",
    "torch_rnn_parameter_shapes",
]
