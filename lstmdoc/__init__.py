"""lstmdoc: where an LSTM's parameters come from, and what they do.

Importing lstmdoc is quick and needs only NumPy; each name below is imported
from its module the first time it is used, so ``lstmdoc explain model.keras``
loads only what explaining a file needs. TensorFlow and PyTorch are imported by
no helper that takes a Keras model or a PyTorch module, which has imported them
already; only reading a PyTorch ``.pt`` file imports PyTorch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lstmdoc._types import Float32Array, Float64Array, FloatArray
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
    from lstmdoc.torch_explaining import explain_state_dict

    __version__: str

__all__ = [
    "ACTIVATIONS",
    "GRU_GATE_NAMES",
    "LSTM_GATE_NAMES",
    "Float32Array",
    "Float64Array",
    "FloatArray",
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
    "explain_state_dict",
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

# Where each public name lives.
_MODULES = {
    "Float32Array": "lstmdoc._types",
    "Float64Array": "lstmdoc._types",
    "FloatArray": "lstmdoc._types",
    "ParamBreakdown": "lstmdoc.counting",
    "Weight": "lstmdoc.counting",
    "dense_param_breakdown": "lstmdoc.counting",
    "dense_param_count": "lstmdoc.counting",
    "gru_param_breakdown": "lstmdoc.counting",
    "gru_param_count": "lstmdoc.counting",
    "lstm_param_breakdown": "lstmdoc.counting",
    "lstm_param_count": "lstmdoc.counting",
    "simple_rnn_param_breakdown": "lstmdoc.counting",
    "simple_rnn_param_count": "lstmdoc.counting",
    "explain": "lstmdoc.explaining",
    "explain_file": "lstmdoc.explaining",
    "ACTIVATIONS": "lstmdoc.forward",
    "LSTMTrace": "lstmdoc.forward",
    "lstm_forward": "lstmdoc.forward",
    "lstm_trace": "lstmdoc.forward",
    "LSTM_GATE_NAMES": "lstmdoc.gates",
    "Gate": "lstmdoc.gates",
    "LSTMGates": "lstmdoc.gates",
    "split_lstm_weights": "lstmdoc.gates",
    "GRU_GATE_NAMES": "lstmdoc.gru",
    "GRUGate": "lstmdoc.gru",
    "GRUGates": "lstmdoc.gru",
    "gru_forward": "lstmdoc.gru",
    "split_gru_weights": "lstmdoc.gru",
    "gru_weights_to_torch": "lstmdoc.pytorch",
    "lstm_weights_to_torch": "lstmdoc.pytorch",
    "simple_rnn_weights_to_torch": "lstmdoc.pytorch",
    "torch_gru_param_count": "lstmdoc.pytorch",
    "torch_gru_parameter_shapes": "lstmdoc.pytorch",
    "torch_lstm_param_count": "lstmdoc.pytorch",
    "torch_lstm_parameter_shapes": "lstmdoc.pytorch",
    "torch_rnn_param_count": "lstmdoc.pytorch",
    "torch_rnn_parameter_shapes": "lstmdoc.pytorch",
    "LayerRow": "lstmdoc.report",
    "LayerWeight": "lstmdoc.report",
    "ModelReport": "lstmdoc.report",
    "OptimizerRow": "lstmdoc.report",
    "explain_state_dict": "lstmdoc.torch_explaining",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is used."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

        try:
            value = version("lstmdoc")
        except PackageNotFoundError:  # running from a source tree that is not installed
            value = "0+unknown"
    elif name in _MODULES:
        value = getattr(importlib.import_module(_MODULES[name]), name)
    else:
        raise AttributeError(f"module 'lstmdoc' has no attribute {name!r}")
    globals()[name] = value  # later uses skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
