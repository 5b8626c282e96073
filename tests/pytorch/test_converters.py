"""Tests for lstmdoc.pytorch.converters that need no PyTorch: layouts, round trips and errors.

The independent truth here is PyTorch's documented equations, written in NumPy below,
and real Keras layers; ``nox -s torch`` holds the same converters against PyTorch
itself (tests/pytorch/against_torch/test_against_torch.py).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lstmdoc

SIZES = st.integers(min_value=1, max_value=12)
SWEEP = settings(max_examples=25, deadline=None)
CONVERTERS = {
    "LSTM": (lstmdoc.lstm_weights_to_torch, lstmdoc.lstm_weights_from_torch, 4),
    "GRU": (lstmdoc.gru_weights_to_torch, lstmdoc.gru_weights_from_torch, 3),
    "SimpleRNN": (lstmdoc.simple_rnn_weights_to_torch, lstmdoc.simple_rnn_weights_from_torch, 1),
}


def keras_weights(layer: str, units: int, features: int, seed: int, *, use_bias: bool = True):
    """Random weights in a Keras layer's layout, float32, as ``get_weights()`` gives them."""
    blocks = CONVERTERS[layer][2]
    rng = np.random.default_rng(seed)
    shapes: list[tuple[int, ...]] = [(features, blocks * units), (units, blocks * units)]
    if use_bias:
        shapes.append((2, 3 * units) if layer == "GRU" else (blocks * units,))
    return [rng.uniform(-0.5, 0.5, size=shape).astype("float32") for shape in shapes]


def torch_entries(mode: str, input_size: int, hidden_size: int, seed: int) -> dict[str, np.ndarray]:
    """A PyTorch module's state_dict in NumPy, every entry drawn as PyTorch initialises it.

    ``RNNBase.reset_parameters`` draws every weight and bias from U(-k, k), with
    k = 1 / sqrt(hidden_size): the two biases differ, as in a real module.
    """
    rows = {"LSTM": 4, "GRU": 3, "RNN": 1}[mode] * hidden_size
    bound = 1 / np.sqrt(hidden_size)
    rng = np.random.default_rng(seed)
    shapes = {
        "weight_ih_l0": (rows, input_size),
        "weight_hh_l0": (rows, hidden_size),
        "bias_ih_l0": (rows,),
        "bias_hh_l0": (rows,),
    }
    return {
        name: rng.uniform(-bound, bound, size=shape).astype("float32")
        for name, shape in shapes.items()
    }


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def torch_lstm(x, weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0):
    """torch.nn.LSTM's documented equations, blocks i, f, g, o as rows: every step's h."""
    h = np.zeros((x.shape[0], weight_hh_l0.shape[1]))
    c = np.zeros_like(h)
    outputs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ weight_ih_l0.T + bias_ih_l0 + h @ weight_hh_l0.T + bias_hh_l0
        i, f, g, o = np.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1)


def torch_gru(x, weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0):
    """torch.nn.GRU's documented equations, blocks r, z, n as rows: every step's h."""
    h = np.zeros((x.shape[0], weight_hh_l0.shape[1]))
    outputs = []
    for t in range(x.shape[1]):
        x_r, x_z, x_n = np.split(x[:, t] @ weight_ih_l0.T + bias_ih_l0, 3, axis=-1)
        h_r, h_z, h_n = np.split(h @ weight_hh_l0.T + bias_hh_l0, 3, axis=-1)
        r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
        n = np.tanh(x_n + r * h_n)
        h = (1 - z) * n + z * h
        outputs.append(h)
    return np.stack(outputs, axis=1)


def torch_rnn(x, weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0):
    """torch.nn.RNN's documented equation with its default tanh: every step's h."""
    h = np.zeros((x.shape[0], weight_hh_l0.shape[1]))
    outputs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ weight_ih_l0.T + bias_ih_l0 + h @ weight_hh_l0.T + bias_hh_l0)
        outputs.append(h)
    return np.stack(outputs, axis=1)


class TestToTorch:
    def test_a_reset_after_false_gru_has_no_torch_equivalent(self):
        """A (3·units,) bias is refused: torch.nn.GRU computes reset_after=True only."""
        with pytest.raises(ValueError, match=r"reset_after=True.*torch\.nn\.GRU cannot"):
            lstmdoc.gru_weights_to_torch(np.zeros((2, 6)), np.zeros((2, 6)), np.zeros(6))

    @pytest.mark.parametrize(
        ("options", "error", "message"),
        [
            ({"layer_index": -1}, ValueError, "layer_index must be a non-negative integer"),
            ({"layer_index": "0"}, TypeError, "layer_index must be a non-negative integer"),
            ({"reverse": None}, TypeError, "reverse must be True or False"),
        ],
    )
    def test_bad_converter_options(self, options, error, message):
        """A bad layer_index or reverse raises an error naming it."""
        with pytest.raises(error, match=message):
            lstmdoc.lstm_weights_to_torch(np.zeros((1, 8)), np.zeros((2, 8)), **options)

    def test_converter_checks_the_weights(self):
        """Weights that are not an LSTM's raise ValueError from the shared check."""
        with pytest.raises(ValueError, match="recurrent_kernel must have shape"):
            lstmdoc.lstm_weights_to_torch(np.zeros((1, 6)), np.zeros((2, 6)))


class TestFromTorch:
    @SWEEP
    @given(
        layer=st.sampled_from(sorted(CONVERTERS)),
        units=SIZES,
        features=SIZES,
        use_bias=st.booleans(),
        layer_index=st.integers(0, 3),
        reverse=st.booleans(),
    )
    def test_the_way_back_gives_keras_weights_exactly(
        self, layer, units, features, use_bias, layer_index, reverse
    ):
        """Keras → PyTorch → Keras returns every array unchanged, in its dtype."""
        to_torch, from_torch, _ = CONVERTERS[layer]
        weights = keras_weights(layer, units, features, seed=units, use_bias=use_bias)
        entries = to_torch(*weights, layer_index=layer_index, reverse=reverse)
        model = {f"model.rnn.{name}": array for name, array in entries.items()}
        back = from_torch(model, layer_index=layer_index, reverse=reverse, prefix="model.rnn.")
        assert len(back) == len(weights)
        for original, returned in zip(weights, back, strict=True):
            np.testing.assert_array_equal(returned, original)
            assert returned.dtype == np.float32
            assert returned.flags.c_contiguous

    def test_lstm_bias_is_the_sum_of_pytorchs_two(self):
        """Keras' one LSTM bias is bias_ih + bias_hh; the kernels are the weights transposed."""
        entries = torch_entries("LSTM", 3, 5, seed=0)
        kernel, recurrent_kernel, bias = lstmdoc.lstm_weights_from_torch(entries)
        np.testing.assert_array_equal(kernel, entries["weight_ih_l0"].T)
        np.testing.assert_array_equal(recurrent_kernel, entries["weight_hh_l0"].T)
        np.testing.assert_array_equal(bias, entries["bias_ih_l0"] + entries["bias_hh_l0"])

    def test_gru_blocks_move_from_r_z_n_to_z_r_h(self):
        """PyTorch's reset block lands in Keras' second place, its update block in the first."""
        units, features = 2, 3
        blocks = [np.full((units, features), value) for value in (1.0, 2.0, 3.0)]  # r, z, n
        recurrent = [np.full((units, units), value) for value in (1.0, 2.0, 3.0)]
        entries = {
            "weight_ih_l0": np.concatenate(blocks),
            "weight_hh_l0": np.concatenate(recurrent),
            "bias_ih_l0": np.repeat([1.0, 2.0, 3.0], units),
            "bias_hh_l0": np.repeat([10.0, 20.0, 30.0], units),
        }
        kernel, recurrent_kernel, bias = lstmdoc.gru_weights_from_torch(entries)
        assert kernel.shape == (features, 3 * units)
        assert kernel[0].tolist() == [2, 2, 1, 1, 3, 3]  # z, r, h
        assert recurrent_kernel[0].tolist() == [2, 2, 1, 1, 3, 3]
        assert bias.tolist() == [[2, 2, 1, 1, 3, 3], [20, 20, 10, 10, 30, 30]]

    @pytest.mark.parametrize(
        ("mode", "layer", "equations", "converter"),
        [
            ("LSTM", keras.layers.LSTM, torch_lstm, lstmdoc.lstm_weights_from_torch),
            ("GRU", keras.layers.GRU, torch_gru, lstmdoc.gru_weights_from_torch),
            ("RNN", keras.layers.SimpleRNN, torch_rnn, lstmdoc.simple_rnn_weights_from_torch),
        ],
    )
    def test_keras_computes_what_pytorchs_equations_do(self, mode, layer, equations, converter):
        """A Keras layer given converted weights computes PyTorch's documented equations."""
        entries = torch_entries(mode, 3, 5, seed=1)
        model = keras.Sequential([keras.Input(shape=(6, 3)), layer(5, return_sequences=True)])
        model.layers[0].set_weights(converter(entries))
        x = np.random.default_rng(2).normal(size=(2, 6, 3)).astype("float32")
        expected = equations(x.astype("float64"), **entries)
        assert np.abs(expected).max() > 0.05  # non-trivial outputs
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)

    def test_a_module_without_biases(self):
        """bias=False gives the two kernels alone, for a Keras layer with use_bias=False."""
        entries = torch_entries("GRU", 3, 5, seed=0)
        del entries["bias_ih_l0"], entries["bias_hh_l0"]
        kernel, recurrent_kernel = lstmdoc.gru_weights_from_torch(entries)
        assert (kernel.shape, recurrent_kernel.shape) == ((3, 15), (5, 15))


LSTM_ENTRIES = torch_entries("LSTM", 3, 2, seed=0)


class TestFromTorchRefuses:
    @pytest.mark.parametrize(
        ("arguments", "options", "error", "message"),
        [
            (([],), {}, TypeError, r"state_dict must be a mapping .* got \[\] \(list\)"),
            ((LSTM_ENTRIES,), {"prefix": 1}, TypeError, "prefix must be a string"),
            ((LSTM_ENTRIES,), {"layer_index": -1}, ValueError, "layer_index must be a non-neg"),
            ((LSTM_ENTRIES,), {"reverse": "no"}, TypeError, "reverse must be True or False"),
            (
                ({**LSTM_ENTRIES, "weight_ih_l0": "weights"},),
                {},
                TypeError,
                "weight_ih_l0 must be a 2-D numeric array",
            ),
            (
                ({},),
                {},
                ValueError,
                "state_dict has no 'weight_ih_l0', which a torch.nn.LSTM has; it has no input",
            ),
            (
                ({f"lstm.{name}": array for name, array in LSTM_ENTRIES.items()},),
                {},
                ValueError,
                r"no 'weight_ih_l0', .* it has: \['lstm.weight_ih_l0'\] \(pass prefix='lstm.'\)",
            ),
            (
                (LSTM_ENTRIES,),
                {"reverse": True},
                ValueError,
                r"no 'weight_ih_l0_reverse', .* it has: \['weight_ih_l0'\]",
            ),
            (
                ({**LSTM_ENTRIES, "weight_hr_l0": np.zeros((1, 2))},),
                {},
                ValueError,
                r"weight_hr_l0 is a projection .* which Keras' LSTM has not",
            ),
            (
                ({**LSTM_ENTRIES, "bias_ih_l0": np.zeros(7)},),
                {},
                ValueError,
                r"bias_ih_l0 must have shape \(8,\) .* got \(7,\)",
            ),
            (
                ({**LSTM_ENTRIES, "weight_ih_l0": np.zeros((6, 3))},),
                {},
                ValueError,
                r"weight_ih_l0 must have shape \(8, input_size\) .* got \(6, 3\)",
            ),
        ],
    )
    def test_each_bad_argument_is_named(self, arguments, options, error, message):
        """A wrong type raises TypeError, a wrong value ValueError, naming what is wrong."""
        with pytest.raises(error, match=message):
            lstmdoc.lstm_weights_from_torch(*arguments, **options)

    def test_another_modules_weights_are_named_by_their_module(self):
        """A GRU's state_dict given to the LSTM converter says it has a GRU's shape."""
        with pytest.raises(ValueError, match=r"\(60, 20\), the shape of a torch\.nn\.GRU's"):
            lstmdoc.lstm_weights_from_torch(torch_entries("GRU", 1, 20, seed=0))

    @pytest.mark.parametrize("kept", ["bias_ih_l0", "bias_hh_l0"])
    def test_one_bias_alone_is_refused(self, kept):
        """A state_dict with one of the two biases is no PyTorch module's."""
        dropped = {"bias_ih_l0": "bias_hh_l0", "bias_hh_l0": "bias_ih_l0"}[kept]
        entries = torch_entries("RNN", 3, 2, seed=0)
        del entries[dropped]
        with pytest.raises(ValueError, match=f"has '{kept}' but not '{dropped}'"):
            lstmdoc.simple_rnn_weights_from_torch(entries)
