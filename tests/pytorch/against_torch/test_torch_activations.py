"""lstmdoc.counting.activations: the values a recurrent layer keeps for the backward pass.

The truth is ``torch.autograd.graph.saved_tensors_hooks``, which is handed every tensor
autograd keeps for the backward pass; each storage is counted once, and the module's
parameters are left out. The modules run with oneDNN off, as the products and
elementwise operations they are made of.
"""

from __future__ import annotations

import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lstmdoc

CLASSES = {"torch-lstm": torch.nn.LSTM, "torch-gru": torch.nn.GRU, "torch-rnn": torch.nn.RNN}


def kept_values(module: torch.nn.Module, inputs: torch.Tensor, *, onednn: bool = False) -> int:
    """The values autograd keeps for ``module(inputs)``'s backward pass, each storage once."""
    parameters = {p.untyped_storage().data_ptr() for p in module.parameters()}
    kept: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in parameters:
            kept[storage.data_ptr()] = storage.nbytes() // tensor.element_size()
        return tensor

    with warnings.catch_warnings():
        # mkldnn.flags sets oneDNN's TF32 flag as it was, which warns on a CPU-only build.
        warnings.filterwarnings("ignore", "TF32 acceleration", UserWarning)
        with (
            torch.backends.mkldnn.flags(enabled=onednn),
            torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor),
        ):
            module(inputs)
    return sum(kept.values())


SIZES = st.integers(min_value=1, max_value=6)


@settings(max_examples=40, deadline=None)
@given(
    key=st.sampled_from(sorted(CLASSES)),
    steps=SIZES,
    input_size=SIZES,
    hidden_size=SIZES,
    num_layers=st.integers(min_value=1, max_value=3),
    bidirectional=st.booleans(),
    bias=st.booleans(),
    batch=st.integers(min_value=1, max_value=3),
)
def test_the_estimate_is_what_pytorch_keeps(
    key, steps, input_size, hidden_size, num_layers, bidirectional, bias, batch
):
    """Exact for every size, layers, directions and bias, a sequence at a time (batch second)."""
    module = CLASSES[key](
        input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional, bias=bias
    )
    estimate = lstmdoc.breakdown(
        key,
        input_size=input_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        bidirectional=bidirectional,
        bias=bias,
        steps=steps,
    ).saved_values
    assert estimate is not None
    assert kept_values(module, torch.randn(steps, batch, input_size)) == batch * estimate


@settings(max_examples=20, deadline=None)
@given(positions=SIZES, in_features=SIZES, out_features=SIZES, bias=st.booleans())
def test_a_linear_layer_keeps_its_input(positions, in_features, out_features, bias):
    module = torch.nn.Linear(in_features, out_features, bias=bias)
    estimate = lstmdoc.breakdown(
        "torch-linear",
        in_features=in_features,
        out_features=out_features,
        bias=bias,
        positions=positions,
    ).saved_values
    assert kept_values(module, torch.randn(positions, in_features)) == estimate


def test_the_tutorials_lstm_by_hand():
    """20 steps × (1 input + 7 × 20): x, h and c before the step, four gates, tanh(c)."""
    estimate = lstmdoc.breakdown("lstm", units=20, features=1, steps=20).saved_values
    assert estimate == 20 * (1 + 7 * 20) == 2820
    measured = kept_values(torch.nn.LSTM(1, 20, batch_first=True), torch.randn(1, 20, 1))
    assert measured == estimate


def test_batch_first_with_two_directions_keeps_the_input_twice():
    """The one difference found: the reverse direction keeps a contiguous copy of the input."""
    steps, features, batch = 5, 3, 4
    module = torch.nn.LSTM(features, 6, batch_first=True, bidirectional=True)
    estimate = lstmdoc.breakdown(
        "torch-lstm", input_size=features, hidden_size=6, bidirectional=True, steps=steps
    ).saved_values
    assert estimate is not None
    measured = kept_values(module, torch.randn(batch, steps, features))
    assert measured == batch * estimate + batch * steps * features


@pytest.mark.parametrize("hidden_size", [8, 20, 64])
def test_onednn_keeps_a_workspace_larger_than_the_estimate(hidden_size):
    """PyTorch's default CPU path, a fused oneDNN kernel, keeps more than the products need."""
    module = torch.nn.LSTM(1, hidden_size, batch_first=True)
    estimate = lstmdoc.breakdown("torch-lstm", input_size=1, hidden_size=hidden_size, steps=20)
    assert estimate.saved_values is not None
    fused = kept_values(module, torch.randn(1, 20, 1), onednn=True)
    assert fused > estimate.saved_values


def test_a_projection_has_no_estimate():
    breakdown = lstmdoc.breakdown("torch-lstm", input_size=3, hidden_size=8, proj_size=2, steps=4)
    assert breakdown.saved_values is None
    assert breakdown.saved_line is None
