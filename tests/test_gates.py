"""Tests for lstmdoc.gates, against real Keras LSTM layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import lstmdoc

SATURATED = 30.0  # a bias this large drives a sigmoid to 0 or 1 within float32 precision


def lstm_model(units: int, features: int, timesteps: int = 3, **options) -> keras.Model:
    """An LSTM on (timesteps, features) inputs returning its output, h and c at the last step."""
    inputs = keras.Input(shape=(timesteps, features))
    outputs = keras.layers.LSTM(units, return_sequences=True, return_state=True, **options)(inputs)
    return keras.Model(inputs, outputs)


def run(model: keras.Model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return Keras' hidden states at every step and its cell state at the last step."""
    sequences, _, cell = model.predict(x, verbose=0)
    return sequences, cell


def with_gate_bias(biases: dict[str, float], units: int) -> tuple[np.ndarray, ...]:
    """Weights with zero kernels and each named gate's bias set, through split and join."""
    gates = lstmdoc.split_lstm_weights(
        np.zeros((1, 4 * units)), np.zeros((units, 4 * units)), np.zeros(4 * units)
    )
    for name, value in biases.items():
        bias = gates[name].b
        assert bias is not None
        bias[:] = value
    return gates.join()


class TestSplitAndJoin:
    def test_round_trip_returns_keras_weights_exactly(self):
        """Joining the split gates gives back layer.get_weights() bit for bit."""
        keras.utils.set_random_seed(1)
        layer = lstm_model(units=5, features=3).layers[1]
        weights = layer.get_weights()
        joined = lstmdoc.split_lstm_weights(*weights).join()
        assert len(joined) == 3
        for original, back in zip(weights, joined, strict=True):
            assert back.dtype == original.dtype
            np.testing.assert_array_equal(back, original)
        layer.set_weights(list(joined))  # Keras accepts what join() returns

    def test_round_trip_without_bias(self):
        """A layer with use_bias=False splits into gates with b=None and joins to two arrays."""
        layer = lstm_model(units=4, features=2, use_bias=False).layers[1]
        weights = layer.get_weights()
        gates = lstmdoc.split_lstm_weights(*weights)
        assert all(gate.b is None for gate in gates)
        joined = gates.join()
        assert len(joined) == 2
        for original, back in zip(weights, joined, strict=True):
            np.testing.assert_array_equal(back, original)

    def test_gates_have_documented_shapes_and_order(self):
        """Gates come in Keras' order i, f, c, o with W (features, units), U and b."""
        gates = lstmdoc.split_lstm_weights(*lstm_model(units=5, features=3).layers[1].get_weights())
        assert [gate.name for gate in gates] == ["i", "f", "c", "o"]
        assert [gate.title for gate in gates] == [
            "input gate",
            "forget gate",
            "cell candidate",
            "output gate",
        ]
        assert len(gates) == 4
        assert (gates.units, gates.features) == (5, 3)
        for gate in gates:
            assert gate.W.shape == (3, 5)
            assert gate.U.shape == (5, 5)
            assert gate.b is not None
            assert gate.b.shape == (5,)
            assert gates[gate.name] is gate

    def test_forget_gate_bias_starts_at_one(self):
        """Keras' unit_forget_bias puts 1 in the forget gate's bias and 0 elsewhere."""
        gates = lstmdoc.split_lstm_weights(*lstm_model(units=4, features=2).layers[1].get_weights())
        np.testing.assert_array_equal(gates["f"].b, np.ones(4))
        for name in "ico":
            np.testing.assert_array_equal(gates[name].b, np.zeros(4))

    def test_gates_are_copies(self):
        """Changing a gate's arrays leaves the arrays that were split untouched."""
        kernel, recurrent_kernel, bias = np.zeros((1, 8)), np.zeros((2, 8)), np.zeros(8)
        gates = lstmdoc.split_lstm_weights(kernel, recurrent_kernel, bias)
        gates["f"].W[:] = 1.0
        forget_bias = gates["f"].b
        assert forget_bias is not None
        forget_bias[:] = 1.0
        assert not kernel.any()
        assert not bias.any()

    def test_unknown_gate_name_raises_key_error_listing_the_gates(self):
        """gates["g"] raises KeyError naming the valid keys."""
        gates = lstmdoc.split_lstm_weights(np.zeros((1, 8)), np.zeros((2, 8)))
        with pytest.raises(KeyError, match="i, f, c, o"):
            gates["g"]


class TestGateOrderByBehaviour:
    """Each gate's weights are changed alone and Keras' output is watched.

    The base weights have zero kernels and a candidate bias of 1, so at every step
    i = f = o = σ(0) = 1/2 and the candidate is tanh(1): the cell state follows
    c_t = c_{t-1} / 2 + tanh(1) / 2 and h_t = tanh(c_t) / 2.
    """

    units = 3
    x = np.ones((1, 3, 1), dtype="float32")

    def keras_states(self, biases: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        model = lstm_model(self.units, features=1)
        model.layers[1].set_weights(list(with_gate_bias(biases, self.units)))
        return run(model, self.x)

    def test_candidate_bias_is_the_third_block(self):
        """With only the "c" bias zero, nothing enters the cell and the output stays 0."""
        hidden, cell = self.keras_states({"c": 0.0})
        np.testing.assert_allclose(hidden, 0.0, atol=1e-7)
        np.testing.assert_allclose(cell, 0.0, atol=1e-7)

    def test_base_weights_follow_the_half_open_gates(self):
        """With all gates half open, Keras' cell state follows the hand-derived recurrence."""
        hidden, cell = self.keras_states({"c": 1.0})
        expected_cell = 0.0
        for step in range(3):
            expected_cell = expected_cell / 2 + np.tanh(1.0) / 2
            np.testing.assert_allclose(hidden[0, step], np.tanh(expected_cell) / 2, rtol=1e-6)
        np.testing.assert_allclose(cell[0], expected_cell, rtol=1e-6)

    def test_input_gate_is_the_first_block(self):
        """Closing only the "i" gate keeps the cell state at 0."""
        hidden, cell = self.keras_states({"c": 1.0, "i": -SATURATED})
        np.testing.assert_allclose(cell, 0.0, atol=1e-7)
        np.testing.assert_allclose(hidden, 0.0, atol=1e-7)

    def test_output_gate_is_the_fourth_block(self):
        """Closing only the "o" gate hides the output while the cell still fills."""
        hidden, cell = self.keras_states({"c": 1.0, "o": -SATURATED})
        np.testing.assert_allclose(hidden, 0.0, atol=1e-7)
        np.testing.assert_allclose(cell[0], 0.875 * np.tanh(1.0), rtol=1e-6)

    def test_forget_gate_is_the_second_block(self):
        """Closing only the "f" gate stops the cell accumulating: c stays tanh(1) / 2."""
        hidden, cell = self.keras_states({"c": 1.0, "f": -SATURATED})
        np.testing.assert_allclose(cell[0], np.tanh(1.0) / 2, rtol=1e-6)
        np.testing.assert_allclose(hidden[0, -1], np.tanh(np.tanh(1.0) / 2) / 2, rtol=1e-6)

    def test_input_weights_of_a_gate_act_on_the_input(self):
        """Setting only the candidate's W moves the output with the input, as its bias did."""
        gates = lstmdoc.split_lstm_weights(
            np.zeros((1, 4 * self.units)),
            np.zeros((self.units, 4 * self.units)),
            np.zeros(4 * self.units),
        )
        gates["c"].W[:] = 1.0  # x = 1, so W_c x plays the part of a candidate bias of 1
        model = lstm_model(self.units, features=1)
        model.layers[1].set_weights(list(gates.join()))
        by_kernel, _ = run(model, self.x)
        by_bias, _ = self.keras_states({"c": 1.0})
        np.testing.assert_allclose(by_kernel, by_bias, rtol=1e-6)


class TestBadInput:
    @pytest.mark.parametrize(
        ("kernel", "recurrent_kernel", "bias", "message"),
        [
            (
                np.zeros((1, 12)),
                np.zeros((4, 16)),
                None,
                r"kernel must have shape \(features, 16\)",
            ),
            (np.zeros((1, 16)), np.zeros((4, 12)), None, r"recurrent_kernel must have shape"),
            (np.zeros((1, 16)), np.zeros((4, 4)), None, r"recurrent_kernel must have shape"),
            (np.zeros((1, 16)), np.zeros((4, 16)), np.zeros(15), r"bias must have shape \(16,\)"),
            (np.zeros((1, 16)), np.zeros((4, 16)), np.zeros((2, 16)), r"bias must be 1-D"),
            (np.zeros((1, 1, 16)), np.zeros((4, 16)), None, r"kernel must be 2-D"),
            (np.zeros(16), np.zeros((4, 16)), None, r"kernel must be 2-D"),
            (np.zeros((0, 16)), np.zeros((4, 16)), None, r"kernel must have shape"),
            (np.zeros((1, 0)), np.zeros((0, 0)), None, r"recurrent_kernel must have shape"),
        ],
    )
    def test_shapes_that_do_not_fit_raise_value_error(
        self, kernel, recurrent_kernel, bias, message
    ):
        """Mismatched shapes raise ValueError saying what was expected and what came."""
        with pytest.raises(ValueError, match=message):
            lstmdoc.split_lstm_weights(kernel, recurrent_kernel, bias)

    @pytest.mark.parametrize(
        ("kernel", "recurrent_kernel", "bias", "argument"),
        [
            (None, np.zeros((1, 4)), None, "kernel"),
            ("kernel", np.zeros((1, 4)), None, "kernel"),
            (np.zeros((1, 4)), np.array([["a", "b", "c", "d"]]), None, "recurrent_kernel"),
            (np.zeros((1, 4)), np.zeros((1, 4)), "bias", "bias"),
            (np.zeros((1, 4)), [[0, 0], [0]], None, "recurrent_kernel"),
        ],
    )
    def test_non_numeric_arguments_raise_type_error(self, kernel, recurrent_kernel, bias, argument):
        """None, strings and ragged lists raise TypeError naming the argument."""
        with pytest.raises(
            TypeError, match=rf"^{argument} must be a 2-D|^{argument} must be a 1-D"
        ):
            lstmdoc.split_lstm_weights(kernel, recurrent_kernel, bias)

    def test_error_names_units_inferred_from_the_recurrent_kernel(self):
        """A kernel built for other units says how many columns units=20 needs."""
        with pytest.raises(ValueError, match=r"units=20 \(4 \* 20 columns\), got \(1, 40\)"):
            lstmdoc.split_lstm_weights(np.zeros((1, 40)), np.zeros((20, 80)))
