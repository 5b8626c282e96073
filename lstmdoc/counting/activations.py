"""What a recurrent layer keeps for the backward pass: an estimate, in values per sequence.

Training runs each layer forward, keeps some of what it computed, and uses it to
compute the gradients on the way back. For an LSTM, each step's backward pass needs:

- the step's input :math:`x_t` (``features`` values), for the kernel's gradient;
- the previous output :math:`h_{t-1}` (``units``), for the recurrent kernel's;
- the previous cell state :math:`c_{t-1}` (``units``), for the forget gate's;
- the four gate values :math:`i_t, f_t, \\tilde{c}_t, o_t` (``4 × units``), for the
  derivatives of the sigmoids and the activation and of the products they enter;
- :math:`\\tanh(c_t)` (``units``), for the output gate's.

That is ``steps × (features + 7 × units)`` values a sequence, and the same for
PyTorch's GRU (``reset_after=True``, Keras' default). A SimpleRNN keeps its inputs and
its outputs, the initial state included: ``steps × features + (steps + 1) × units``.
A second direction keeps its own, and a stacked layer's input is the layer beneath's
output, ``directions × units`` values a step.

How close this is, measured with ``torch.autograd.graph.saved_tensors_hooks``, which sees
every tensor autograd keeps (each storage once, parameters left out), on PyTorch 2.13's
CPU path (``tests/pytorch/against_torch/test_torch_activations.py``):

- with oneDNN off (``torch.backends.mkldnn.flags(enabled=False)``), where the layer runs
  as the products and elementwise operations it is made of, the estimate is exact for
  ``nn.LSTM``, ``nn.GRU`` and ``nn.RNN`` of any size, layers and directions, save one
  case: ``batch_first=True`` with two directions and a batch of more than one, where
  PyTorch keeps a second, contiguous copy of the input (``batch × steps × features``
  values more);
- with oneDNN on (PyTorch's default on a CPU), the fused kernel keeps a workspace of
  its own, 3 to 13 times the estimate at the sizes measured;
- TensorFlow's gradient of Keras' loop keeps what its own operations need: the
  estimate is for the computation, not a measurement of TensorFlow.

An LSTM with a projection (``proj_size``) and Keras' GRU with ``reset_after=False``
compute other things, and have no estimate.
"""

from __future__ import annotations

__all__ = ["GATED", "SIMPLE"]

GATED = 7
"""The values, in units of ``units``, an LSTM or GRU step keeps beside its input."""

SIMPLE = 1
"""The values, in units of ``units``, a SimpleRNN step keeps beside its input (its output),
plus the initial state once."""
