# The public names of lstmdoc.pytorch, each from its module: the one list of them
# (lstmdoc/_lazy.py reads it, so that the rules import neither NumPy nor the converters).
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
from lstmdoc.pytorch.explaining import explain_checkpoint as explain_checkpoint
from lstmdoc.pytorch.explaining import explain_module as explain_module
from lstmdoc.pytorch.explaining import explain_state_dict as explain_state_dict
from lstmdoc.pytorch.formulas import (
    RECURRENT_BLOCKS as RECURRENT_BLOCKS,
)
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
    torch_recurrent_breakdown as torch_recurrent_breakdown,
)
from lstmdoc.pytorch.formulas import (
    torch_recurrent_formula as torch_recurrent_formula,
)
from lstmdoc.pytorch.formulas import (
    torch_rnn_param_count as torch_rnn_param_count,
)
from lstmdoc.pytorch.formulas import (
    torch_rnn_parameter_shapes as torch_rnn_parameter_shapes,
)

# Computed at run time from the imports above (lstmdoc/_lazy.py): not a second list.
__all__: list[str]  # noqa: PYI035
