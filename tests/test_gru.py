"""Tests for lstmdoc.gru: GRU gates and the NumPy GRU against keras.layers.GRU."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import lstmdoc

ORDER_ONE_TOLERANCE = 1e-5  # absolute, on inputs and weights of order 1, as for the LSTM
SATURATED = 30.0  # a bias this large drives a sigmoid to 0 or 1 within float32 precision


def random_gru(units: int, features: int, timesteps: int, seed: int, **options) -> keras.Model:
    """A Keras GRU with Keras' own random kernels and every bias drawn from [-1, 1]."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(timesteps, features))
    model = keras.Model(inputs, keras.layers.GRU(units, **options)(inputs))
    layer = model.layers[1]
    weights = layer.get_weights()
    if len(weights) == 3:
        weights[2] = np.random.default_rng(seed).uniform(-1, 1, size=weights[2].shape)
    layer.set_weights([weight.astype("float32") for weight in weights])
    return model


def random_inputs(batch: int, timesteps: int, features: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, timesteps, features)).astype("float32")


class TestSplitAndJoin:
    @pytest.mark.parametrize("reset_after", [True, False])
    def test_round_trip_returns_keras_weights_exactly(self, reset_after):
        """Joining the split gates gives back layer.get_weights() bit for bit."""
        layer = random_gru(5, 3, 4, seed=1, reset_after=reset_after).layers[1]
        weights = layer.get_weights()
        gates = lstmdoc.split_gru_weights(*weights)
        assert gates.reset_after is reset_after
        assert (gates.units, gates.features) == (5, 3)
        joined = gates.join()
        assert len(joined) == 3
        for original, back in zip(weights, joined, strict=True):
            assert back.dtype == original.dtype
            np.testing.assert_array_equal(back, original)
        layer.set_weights(list(joined))  # Keras accepts what join() returns

    def test_gates_come_in_keras_order_with_their_shapes(self):
        """The gates are z, r, h, each W (features, units), U (units, units), b (units,)."""
        layer = random_gru(4, 2, 3, seed=2).layers[1]
        gates = lstmdoc.split_gru_weights(*layer.get_weights())
        assert [gate.name for gate in gates] == list(lstmdoc.GRU_GATE_NAMES) == ["z", "r", "h"]
        assert len(gates) == 3
        for gate in gates:
            assert gate.W.shape == (2, 4)
            assert gate.U.shape == (4, 4)
            assert gate.b is not None
            assert gate.b.shape == (4,)
            assert gate.recurrent_b is not None
            assert gate.recurrent_b.shape == (4,)
        assert gates["r"].title == "reset gate"
        with pytest.raises(KeyError, match="z, r, h"):
            gates["f"]

    def test_input_and_recurrent_biases_stay_apart(self):
        """With reset_after=True, b is row 0 of Keras' bias and recurrent_b is row 1."""
        layer = random_gru(3, 2, 3, seed=3).layers[1]
        kernel, recurrent_kernel, bias = layer.get_weights()
        gates = lstmdoc.split_gru_weights(kernel, recurrent_kernel, bias)
        for index, gate in enumerate(gates):
            block = slice(3 * index, 3 * (index + 1))
            np.testing.assert_array_equal(gate.b, bias[0, block])
            np.testing.assert_array_equal(gate.recurrent_b, bias[1, block])
            np.testing.assert_array_equal(gate.W, kernel[:, block])
            np.testing.assert_array_equal(gate.U, recurrent_kernel[:, block])

    def test_reset_after_false_has_one_bias_per_gate(self):
        """With reset_after=False, each gate has b and no recurrent_b."""
        layer = random_gru(3, 2, 3, seed=4, reset_after=False).layers[1]
        gates = lstmdoc.split_gru_weights(*layer.get_weights())
        assert all(gate.b is not None and gate.recurrent_b is None for gate in gates)

    def test_without_bias_the_setting_is_unknown(self):
        """A layer without bias splits into gates without biases; reset_after is None."""
        layer = random_gru(3, 2, 3, seed=5, use_bias=False).layers[1]
        gates = lstmdoc.split_gru_weights(*layer.get_weights())
        assert gates.reset_after is None
        assert all(gate.b is None and gate.recurrent_b is None for gate in gates)
        assert len(gates.join()) == 2
        assert "reset_after=None" in repr(gates)

    def test_split_returns_copies(self):
        """Changing a gate's weights leaves the arrays it was split from unchanged."""
        weights = random_gru(2, 2, 3, seed=6).layers[1].get_weights()
        before = [weight.copy() for weight in weights]
        gates = lstmdoc.split_gru_weights(*weights)
        gates["z"].W[:] = 7.0
        for original, kept in zip(before, weights, strict=True):
            np.testing.assert_array_equal(original, kept)


class TestGatesDriveKeras:
    @pytest.mark.parametrize("reset_after", [True, False])
    def test_a_saturated_update_gate_keeps_the_initial_state(self, reset_after):
        """Forcing z to 1 through its split bias makes Keras' GRU output h_0 = 0 forever."""
        model = random_gru(3, 2, 5, seed=7, reset_after=reset_after)
        layer = model.layers[1]
        gates = lstmdoc.split_gru_weights(*layer.get_weights())
        bias = gates["z"].b
        assert bias is not None
        bias[:] = SATURATED
        layer.set_weights(list(gates.join()))
        output = model.predict(random_inputs(2, 5, 2), verbose=0)
        np.testing.assert_allclose(output, 0.0, atol=1e-6)

    @pytest.mark.parametrize("reset_after", [True, False])
    def test_closed_update_and_reset_gates_pass_the_candidate(self, reset_after):
        """Forcing z and r to 0 makes Keras' output the candidate tanh(x W_h + b_h)."""
        model = random_gru(3, 2, 1, seed=8, reset_after=reset_after)
        layer = model.layers[1]
        gates = lstmdoc.split_gru_weights(*layer.get_weights())
        for name in ("z", "r"):
            bias = gates[name].b
            assert bias is not None
            bias[:] = -SATURATED
        layer.set_weights(list(gates.join()))
        x = random_inputs(2, 1, 2)
        candidate = gates["h"]
        assert candidate.b is not None
        expected = np.tanh(x[:, 0] @ candidate.W + candidate.b)
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)


class TestForwardAgainstKeras:
    @pytest.mark.parametrize("reset_after", [True, False])
    @pytest.mark.parametrize("return_sequences", [False, True])
    @pytest.mark.parametrize(
        ("units", "features", "timesteps", "batch"),
        [(1, 1, 5, 1), (1, 4, 3, 2), (5, 3, 7, 4), (20, 1, 20, 3), (8, 6, 1, 5)],
    )
    def test_output_matches_keras_predict(
        self, reset_after, return_sequences, units, features, timesteps, batch
    ):
        """gru_forward reproduces model.predict within 1e-5, for both reset_after settings."""
        model = random_gru(
            units,
            features,
            timesteps,
            seed=units * 100 + features,
            reset_after=reset_after,
            return_sequences=return_sequences,
        )
        x = random_inputs(batch, timesteps, features)
        expected = model.predict(x, verbose=0)
        actual = lstmdoc.gru_forward(
            x,
            *model.layers[1].get_weights(),
            reset_after=reset_after,
            return_sequences=return_sequences,
        )
        assert actual.shape == expected.shape
        assert actual.dtype == np.float64
        assert 0.01 < np.abs(expected).max() < 10  # non-trivial outputs, of order 1
        np.testing.assert_allclose(actual, expected, rtol=0, atol=ORDER_ONE_TOLERANCE)

    @pytest.mark.parametrize("reset_after", [True, False])
    @pytest.mark.parametrize(
        ("activation", "recurrent_activation"),
        [("relu", "sigmoid"), ("sigmoid", "hard_sigmoid"), ("softsign", "relu6"), ("elu", "silu")],
    )
    def test_other_activations_match_keras(self, reset_after, activation, recurrent_activation):
        """Less common activation pairs also reproduce Keras."""
        model = random_gru(
            4,
            2,
            6,
            seed=9,
            reset_after=reset_after,
            activation=activation,
            recurrent_activation=recurrent_activation,
        )
        x = random_inputs(3, 6, 2)
        actual = lstmdoc.gru_forward(
            x,
            *model.layers[1].get_weights(),
            reset_after=reset_after,
            activation=activation,
            recurrent_activation=recurrent_activation,
        )
        np.testing.assert_allclose(
            actual, model.predict(x, verbose=0), rtol=0, atol=ORDER_ONE_TOLERANCE
        )

    def test_the_two_settings_differ_even_without_a_bias(self):
        """Same weights, no bias: reset_after=True and False give different outputs, each Keras'."""
        x = random_inputs(2, 6, 3)
        after = random_gru(4, 3, 6, seed=10, use_bias=False, reset_after=True)
        before = random_gru(4, 3, 6, seed=11, use_bias=False, reset_after=False)
        weights = after.layers[1].get_weights()
        before.layers[1].set_weights(weights)
        outputs = {}
        for reset_after, model in ((True, after), (False, before)):
            outputs[reset_after] = lstmdoc.gru_forward(x, *weights, reset_after=reset_after)
            np.testing.assert_allclose(
                outputs[reset_after], model.predict(x, verbose=0), atol=ORDER_ONE_TOLERANCE
            )
        assert np.abs(outputs[True] - outputs[False]).max() > 1e-3

    @pytest.mark.parametrize("reset_after", [True, False])
    def test_initial_state_matches_keras(self, reset_after):
        """Given h_0, the pass matches Keras called with the same initial_state."""
        layer = random_gru(3, 2, 4, seed=12, reset_after=reset_after).layers[1]
        x = random_inputs(2, 4, 2)
        h0 = np.random.default_rng(13).normal(size=(2, 3)).astype("float32")
        expected = keras.ops.convert_to_numpy(layer(x, initial_state=[h0]))
        for state in (h0, [h0]):
            actual = lstmdoc.gru_forward(
                x, *layer.get_weights(), reset_after=reset_after, initial_state=state
            )
            np.testing.assert_allclose(actual, expected, atol=ORDER_ONE_TOLERANCE)


WEIGHTS = (np.zeros((3, 6)), np.zeros((2, 6)), np.zeros((2, 6)))


class TestBadInput:
    @pytest.mark.parametrize(
        ("bias", "message"),
        [
            (np.zeros(5), r"bias must have shape \(2, 6\) for reset_after=True or \(6,\)"),
            (np.zeros((3, 6)), r"got \(3, 6\)"),
            (np.zeros((2, 5)), r"to match units=2"),
        ],
    )
    def test_bias_of_the_wrong_shape_is_refused(self, bias, message):
        """A bias that is neither (2, 3·units) nor (3·units,) raises ValueError with both."""
        with pytest.raises(ValueError, match=message):
            lstmdoc.split_gru_weights(WEIGHTS[0], WEIGHTS[1], bias)

    @pytest.mark.parametrize("bias", ["bias", [[1, 2], [3]], {"b": 1}])
    def test_non_numeric_bias_raises_type_error(self, bias):
        """A string, a ragged list or a dict as bias raises TypeError naming bias."""
        with pytest.raises(TypeError, match=r"^bias must be a 1-D numeric array"):
            lstmdoc.split_gru_weights(WEIGHTS[0], WEIGHTS[1], bias)

    def test_lstm_weights_are_refused(self):
        """An LSTM's (units, 4·units) recurrent kernel is not a GRU's."""
        with pytest.raises(ValueError, match=r"recurrent_kernel must have shape \(units, 3"):
            lstmdoc.split_gru_weights(np.zeros((3, 8)), np.zeros((2, 8)))

    @pytest.mark.parametrize(
        ("bias", "reset_after", "message"),
        [
            (np.zeros((2, 6)), False, r"shape \(3 \* units,\) for reset_after=False, got \(2, 6\)"),
            (np.zeros(6), True, r"shape \(2, 3 \* units\) for reset_after=True, got \(6,\)"),
        ],
    )
    def test_bias_of_the_other_setting_is_refused(self, bias, reset_after, message):
        """A bias whose shape belongs to the other reset_after setting raises ValueError."""
        with pytest.raises(ValueError, match=message):
            lstmdoc.gru_forward(
                np.zeros((1, 2, 3)), WEIGHTS[0], WEIGHTS[1], bias, reset_after=reset_after
            )

    @pytest.mark.parametrize("argument", ["reset_after", "return_sequences"])
    def test_flags_must_be_bools(self, argument):
        """reset_after="no" or return_sequences=1 raises TypeError rather than being guessed."""
        with pytest.raises(TypeError, match=f"{argument} must be True or False"):
            lstmdoc.gru_forward(np.zeros((1, 2, 3)), *WEIGHTS, **{argument: "no"})  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("x", "error", "message"),
        [
            (np.zeros((4, 3)), ValueError, r"x must be 3-D"),
            (np.zeros((1, 4, 2)), ValueError, r"x must have shape \(batch, timesteps, 3\)"),
            (np.zeros((1, 0, 3)), ValueError, r"at least one sample and one time step"),
            (None, TypeError, r"^x must be a 3-D numeric array"),
        ],
    )
    def test_bad_x_is_refused(self, x, error, message):
        """x that is not (batch, timesteps, features) with features from the kernel is refused."""
        with pytest.raises(error, match=message):
            lstmdoc.gru_forward(x, *WEIGHTS)

    def test_unknown_activation_is_refused(self):
        """An activation name outside lstmdoc.ACTIVATIONS raises ValueError listing them."""
        with pytest.raises(ValueError, match=r"activation 'gelu' is not supported; choose one"):
            lstmdoc.gru_forward(np.zeros((1, 2, 3)), *WEIGHTS, activation="gelu")

    @pytest.mark.parametrize(
        ("state", "message"),
        [
            (np.zeros((1, 3)), r"initial_state must have shape \(batch, units\) = \(1, 2\)"),
            (np.zeros(2), r"initial_state must be 2-D"),
        ],
    )
    def test_bad_initial_state_is_refused(self, state, message):
        """An initial state that is not one (batch, units) array raises ValueError."""
        with pytest.raises(ValueError, match=message):
            lstmdoc.gru_forward(np.zeros((1, 2, 3)), *WEIGHTS, initial_state=state)
