# The public names of lstmdoc, each from its module: the one list of them. Type checkers
# read it; lstmdoc/__init__.py reads it too, and imports a module only when one of its
# names is first used (lstmdoc/_lazy.py).
from lstmdoc._types import Float32Array as Float32Array
from lstmdoc._types import Float64Array as Float64Array
from lstmdoc._types import FloatArray as FloatArray
from lstmdoc.counting import (
    FAMILIES as FAMILIES,
)
from lstmdoc.counting import (
    ParamBreakdown as ParamBreakdown,
)
from lstmdoc.counting import (
    Weight as Weight,
)
from lstmdoc.counting import (
    breakdown as breakdown,
)
from lstmdoc.counting import (
    dense_param_breakdown as dense_param_breakdown,
)
from lstmdoc.counting import (
    dense_param_count as dense_param_count,
)
from lstmdoc.counting import (
    gru_param_breakdown as gru_param_breakdown,
)
from lstmdoc.counting import (
    gru_param_count as gru_param_count,
)
from lstmdoc.counting import (
    lstm_param_breakdown as lstm_param_breakdown,
)
from lstmdoc.counting import (
    lstm_param_count as lstm_param_count,
)
from lstmdoc.counting import (
    simple_rnn_param_breakdown as simple_rnn_param_breakdown,
)
from lstmdoc.counting import (
    simple_rnn_param_count as simple_rnn_param_count,
)
from lstmdoc.counting.memory import (
    Memory as Memory,
)
from lstmdoc.explaining import explain as explain
from lstmdoc.explaining import explain_file as explain_file
from lstmdoc.forward import ACTIVATIONS as ACTIVATIONS
from lstmdoc.forward import LSTMTrace as LSTMTrace
from lstmdoc.forward import lstm_forward as lstm_forward
from lstmdoc.forward import lstm_trace as lstm_trace
from lstmdoc.gates import LSTM_GATE_NAMES as LSTM_GATE_NAMES
from lstmdoc.gates import Gate as Gate
from lstmdoc.gates import LSTMGates as LSTMGates
from lstmdoc.gates import split_lstm_weights as split_lstm_weights
from lstmdoc.gru import GRU_GATE_NAMES as GRU_GATE_NAMES
from lstmdoc.gru import GRUGate as GRUGate
from lstmdoc.gru import GRUGates as GRUGates
from lstmdoc.gru import gru_forward as gru_forward
from lstmdoc.gru import split_gru_weights as split_gru_weights
from lstmdoc.pytorch.converters import (
    gru_weights_from_torch as gru_weights_from_torch,
)
from lstmdoc.pytorch.converters import (
    gru_weights_to_torch as gru_weights_to_torch,
)
from lstmdoc.pytorch.converters import (
    lstm_weights_from_torch as lstm_weights_from_torch,
)
from lstmdoc.pytorch.converters import (
    lstm_weights_to_torch as lstm_weights_to_torch,
)
from lstmdoc.pytorch.converters import (
    simple_rnn_weights_from_torch as simple_rnn_weights_from_torch,
)
from lstmdoc.pytorch.converters import (
    simple_rnn_weights_to_torch as simple_rnn_weights_to_torch,
)
from lstmdoc.pytorch.explaining import explain_state_dict as explain_state_dict
from lstmdoc.pytorch.formulas import (
    torch_gru_param_count as torch_gru_param_count,
)
from lstmdoc.pytorch.formulas import (
    torch_gru_parameter_shapes as torch_gru_parameter_shapes,
)
from lstmdoc.pytorch.formulas import (
    torch_lstm_param_count as torch_lstm_param_count,
)
from lstmdoc.pytorch.formulas import (
    torch_lstm_parameter_shapes as torch_lstm_parameter_shapes,
)
from lstmdoc.pytorch.formulas import (
    torch_rnn_param_count as torch_rnn_param_count,
)
from lstmdoc.pytorch.formulas import (
    torch_rnn_parameter_shapes as torch_rnn_parameter_shapes,
)
from lstmdoc.report import LayerRow as LayerRow
from lstmdoc.report import LayerWeight as LayerWeight
from lstmdoc.report import ModelReport as ModelReport
from lstmdoc.report import OptimizerRow as OptimizerRow

__version__: str

# Computed at run time from the imports above (lstmdoc/_lazy.py): not a second list.
__all__: list[str]  # noqa: PYI035
