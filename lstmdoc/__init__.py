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
from lstmdoc.forward import ACTIVATIONS, LSTMTrace, lstm_forward, lstm_trace
from lstmdoc.gates import LSTM_GATE_NAMES, Gate, LSTMGates, split_lstm_weights

try:
    __version__ = version("lstmdoc")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "ACTIVATIONS",
    "LSTM_GATE_NAMES",
    "Gate",
    "LSTMGates",
    "LSTMTrace",
    "ParamBreakdown",
    "Weight",
    "__version__",
    "dense_param_breakdown",
    "dense_param_count",
    "gru_param_breakdown",
    "gru_param_count",
    "lstm_forward",
    "lstm_param_breakdown",
    "lstm_param_count",
    "lstm_trace",
    "simple_rnn_param_breakdown",
    "simple_rnn_param_count",
    "split_lstm_weights",
]
