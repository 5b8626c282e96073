"""What a layer keeps for the backward pass: an estimate, in values per sequence.

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
output, ``directions × units`` values a step. A dense layer (Keras' ``Dense``,
PyTorch's ``Linear``) keeps its input, ``positions × features``.

How close this is, measured with ``torch.autograd.graph.saved_tensors_hooks``, which sees
every tensor autograd keeps (each storage once, parameters left out), on PyTorch 2.13's
CPU path (``tests/pytorch/against_torch/test_torch_activations.py``):

- with oneDNN off (``torch.backends.mkldnn.flags(enabled=False)``), where the layer runs
  as the products and elementwise operations it is made of, the estimate is exact for
  ``nn.LSTM``, ``nn.GRU`` and ``nn.RNN`` of any size, layers and directions, and for
  ``nn.Linear``, save one
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

from typing import Any

from lstmdoc.counting.family import Template

__all__ = ["GATED", "input_saved", "keras_saved", "torch_saved"]

GATED = 7
"""The values, in units of ``units``, an LSTM or GRU step keeps beside its input."""


def keras_saved(blocks: int, *, gru: bool) -> dict[str, Any]:
    """The estimate of a Keras recurrent family (LSTM, GRU, SimpleRNN), as its ``saved`` fields."""
    if blocks == 1:
        return {
            "saved": "directions * (steps * features + (steps + 1) * units)",
            "saved_formula": Template("{twice}(steps × features + (steps + 1) × units)"),
            "saved_substituted": Template("{twice}({steps} × {features} + {steps + 1} × {units})"),
        }
    return {
        "saved": f"directions * steps * (features + {GATED} * units)",
        "saved_when": "reset_after" if gru else "True",
        "saved_formula": Template(f"{{twice}}steps × (features + {GATED} × units)"),
        "saved_substituted": Template(f"{{twice}}{{steps}} × ({{features}} + {GATED} × {{units}})"),
    }


_LATER_LAYERS = "('' if num_layers == 2 else str(num_layers - 1) + ' × ')"
_TWICE = "{'2 × ' if bidirectional else ''}"


def torch_saved(blocks: int, *, lstm: bool) -> dict[str, Any]:
    """The estimate of a PyTorch recurrent family (LSTM, GRU, RNN), as its ``saved`` fields.

    A later layer's input is the layer beneath's output, ``directions × hidden_size`` a step.
    """
    if blocks == 1:
        later = (
            f"' + ' + {_LATER_LAYERS} + ('2 × ' if bidirectional else '') + str(hidden_size)"
            " + ' × (2 × ' + str(steps) + ' + 1)'"
        )
        return {
            "saved": (
                "steps * input_size + directions * (steps + 1) * hidden_size"
                " + (num_layers - 1) * directions * hidden_size * (2 * steps + 1)"
            ),
            "saved_formula": Template(
                "steps × input_size + directions × (steps + 1) × hidden_size"
                "{'' if num_layers == 1 else ' + (layers - 1) × directions × hidden_size"
                " × (2 × steps + 1)'}"
            ),
            "saved_substituted": Template(
                f"{{steps}} × {{input_size}} + {_TWICE}{{steps + 1}} × {{hidden_size}}"
                f"{{'' if num_layers == 1 else {later}}}"
            ),
        }
    kept = GATED
    later = (
        f"' + ' + {_LATER_LAYERS} + str(steps) + ' × ' + ('2 × ' if bidirectional else '')"
        f" + '{kept + 1} × ' + str(hidden_size)"
    )
    return {
        "saved": (
            f"steps * (input_size + directions * {kept} * hidden_size)"
            f" + (num_layers - 1) * steps * directions * {kept + 1} * hidden_size"
        ),
        "saved_when": "proj_size == 0" if lstm else "True",
        "saved_formula": Template(
            f"steps × (input_size + directions × {kept} × hidden_size)"
            f"{{'' if num_layers == 1 else ' + (layers - 1) × steps × directions × "
            f"{kept + 1} × hidden_size'}}"
        ),
        "saved_substituted": Template(
            f"{{steps}} × ({{input_size}} + {_TWICE}{kept} × {{hidden_size}})"
            f"{{'' if num_layers == 1 else {later}}}"
        ),
    }


def input_saved(features: str) -> dict[str, Any]:
    """The estimate of a dense layer (Keras' Dense, PyTorch's Linear): its input, for the
    kernel's gradient, ``positions × features`` values; ``features`` names the argument."""
    return {
        "saved": f"positions * {features}",
        "saved_formula": Template(f"positions × {features}"),
        "saved_substituted": Template(f"{{positions}} × {{{features}}}"),
    }
