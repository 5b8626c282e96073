"""Tests for lstmdoc.forward: the NumPy LSTM against keras.layers.LSTM."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import lstmdoc

ORDER_ONE_TOLERANCE = 1e-5  # absolute, on inputs and weights of order 1
LARGE_INPUT_TOLERANCE = 1e-4  # relative to the output's largest magnitude


def random_lstm(units: int, features: int, timesteps: int, seed: int, **options) -> keras.Model:
    """A Keras LSTM with Keras' own random kernels and a bias drawn from [-1, 1].

    Keras' initialisers keep a relu LSTM's outputs of order 1 over 20 steps; weights
    drawn from [-1, 1] make them grow to hundreds, where float32 rounding is no
    longer of order 1e-5 (the 0 to 380 test covers that regime).
    """
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(timesteps, features))
    model = keras.Model(inputs, keras.layers.LSTM(units, **options)(inputs))
    layer = model.layers[1]
    weights = layer.get_weights()
    if len(weights) == 3:
        weights[2] = np.random.default_rng(seed).uniform(-1, 1, size=weights[2].shape)
    layer.set_weights([weight.astype("float32") for weight in weights])
    return model


def random_inputs(batch: int, timesteps: int, features: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, timesteps, features)).astype("float32")


class TestAgainstKeras:
    @pytest.mark.parametrize("activation", ["tanh", "relu"])
    @pytest.mark.parametrize("return_sequences", [False, True])
    @pytest.mark.parametrize(
        ("units", "features", "timesteps", "batch"),
        [(1, 1, 5, 1), (1, 4, 3, 2), (5, 3, 7, 4), (20, 1, 20, 3), (8, 6, 1, 5)],
    )
    def test_output_matches_keras_predict(
        self, activation, return_sequences, units, features, timesteps, batch
    ):
        """lstm_forward reproduces model.predict within 1e-5 on order-1 weights and inputs."""
        model = random_lstm(
            units,
            features,
            timesteps,
            seed=units * 100 + features,
            activation=activation,
            return_sequences=return_sequences,
        )
        x = random_inputs(batch, timesteps, features)
        expected = model.predict(x, verbose=0)
        actual = lstmdoc.lstm_forward(
            x,
            *model.layers[1].get_weights(),
            activation=activation,
            return_sequences=return_sequences,
        )
        assert actual.shape == expected.shape
        assert 0.01 < np.abs(expected).max() < 10  # non-trivial outputs, of order 1
        np.testing.assert_allclose(actual, expected, rtol=0, atol=ORDER_ONE_TOLERANCE)

    @pytest.mark.parametrize(
        ("activation", "recurrent_activation"),
        [
            ("sigmoid", "hard_sigmoid"),
            ("linear", "sigmoid"),
            ("softsign", "relu6"),
            ("elu", "silu"),
        ],
    )
    def test_other_activations_match_keras(self, activation, recurrent_activation):
        """Less common activation pairs also reproduce Keras."""
        model = random_lstm(
            4, 2, 6, seed=7, activation=activation, recurrent_activation=recurrent_activation
        )
        x = random_inputs(3, 6, 2)
        actual = lstmdoc.lstm_forward(
            x,
            *model.layers[1].get_weights(),
            activation=activation,
            recurrent_activation=recurrent_activation,
        )
        np.testing.assert_allclose(
            actual, model.predict(x, verbose=0), rtol=0, atol=ORDER_ONE_TOLERANCE
        )

    @pytest.mark.parametrize("name", sorted(lstmdoc.ACTIVATIONS))
    def test_every_activation_equals_keras_activation(self, name):
        """Each supported activation computes what keras.activations does, on -8..8."""
        z = np.linspace(-8, 8, 161)
        expected = keras.ops.convert_to_numpy(keras.activations.get(name)(z.astype("float32")))
        np.testing.assert_allclose(lstmdoc.ACTIVATIONS[name](z), expected, rtol=1e-5, atol=1e-6)

    def test_layer_without_bias_matches_keras(self):
        """A layer built with use_bias=False runs from its two weight arrays."""
        model = random_lstm(3, 2, 4, seed=3, use_bias=False)
        x = random_inputs(2, 4, 2)
        actual = lstmdoc.lstm_forward(x, *model.layers[1].get_weights())
        np.testing.assert_allclose(actual, model.predict(x, verbose=0), atol=ORDER_ONE_TOLERANCE)

    def test_initial_state_matches_keras(self):
        """Given (h_0, c_0), the pass matches Keras called with the same initial_state."""
        model = random_lstm(3, 2, 4, seed=5)
        layer = model.layers[1]
        x = random_inputs(2, 4, 2)
        rng = np.random.default_rng(9)
        h0, c0 = (rng.normal(size=(2, 3)).astype("float32") for _ in range(2))
        expected = keras.ops.convert_to_numpy(layer(x, initial_state=[h0, c0]))
        actual = lstmdoc.lstm_forward(x, *layer.get_weights(), initial_state=(h0, c0))
        np.testing.assert_allclose(actual, expected, atol=ORDER_ONE_TOLERANCE)

    def test_worked_example_on_the_0_to_380_sequence(self):
        """The trained LSTM(20, relu) of the worked example matches Keras on 0, 20, ..., 380."""
        keras.utils.set_random_seed(0)
        x = np.arange(0, 400, 20, dtype="float32").reshape(1, 20, 1)
        y = x.reshape(1, 20)
        model = keras.Sequential(
            [
                keras.Input(shape=(20, 1)),
                keras.layers.LSTM(20, activation="relu"),
                keras.layers.Dense(20),
            ]
        )
        model.compile(optimizer="adam", loss="mse")
        steps = tf.data.Dataset.from_tensors((x, y)).repeat(200)
        model.fit(steps, epochs=1, verbose=0, shuffle=False)
        lstm, dense = model.layers
        expected = keras.ops.convert_to_numpy(lstm(x))
        actual = lstmdoc.lstm_forward(x, *lstm.get_weights(), activation="relu")
        scale = np.abs(expected).max()
        assert scale > 100  # large values, where Keras' float32 rounding grows
        assert np.abs(actual - expected).max() <= LARGE_INPUT_TOLERANCE * scale
        kernel, bias = dense.get_weights()
        prediction = model.predict(x, verbose=0)
        end_to_end = actual @ kernel + bias
        prediction_scale = np.abs(prediction).max()
        assert np.abs(end_to_end - prediction).max() <= LARGE_INPUT_TOLERANCE * prediction_scale


class TestTrace:
    def test_states_match_keras_return_state(self):
        """The trace's last hidden and cell states equal Keras' returned h and c."""
        model = random_lstm(4, 3, 5, seed=11, return_state=True, return_sequences=True)
        x = random_inputs(2, 5, 3)
        sequences, h, c = model.predict(x, verbose=0)
        trace = lstmdoc.lstm_trace(x, *model.layers[1].get_weights())
        np.testing.assert_allclose(trace.hidden, sequences, atol=ORDER_ONE_TOLERANCE)
        np.testing.assert_allclose(trace.hidden[:, -1], h, atol=ORDER_ONE_TOLERANCE)
        np.testing.assert_allclose(trace.cell[:, -1], c, atol=ORDER_ONE_TOLERANCE)

    def test_gates_obey_the_lstm_equations(self):
        """Every step satisfies c_t = f c_{t-1} + i g and h_t = o tanh(c_t), gates in (0, 1)."""
        model = random_lstm(4, 3, 6, seed=2)
        trace = lstmdoc.lstm_trace(random_inputs(2, 6, 3), *model.layers[1].get_weights())
        for attribute in ("input_gate", "forget_gate", "candidate", "output_gate", "cell"):
            assert getattr(trace, attribute).shape == (2, 6, 4)
        for gate in (trace.input_gate, trace.forget_gate, trace.output_gate):
            assert ((gate > 0) & (gate < 1)).all()
        previous = np.concatenate([np.zeros((2, 1, 4)), trace.cell[:, :-1]], axis=1)
        np.testing.assert_allclose(
            trace.cell, trace.forget_gate * previous + trace.input_gate * trace.candidate
        )
        np.testing.assert_allclose(trace.hidden, trace.output_gate * np.tanh(trace.cell))
        assert trace.gate("f") is trace.forget_gate
        with pytest.raises(KeyError, match="i, f, c, o"):
            trace.gate("z")

    def test_forward_is_the_trace_hidden_state(self):
        """lstm_forward returns the trace's hidden states, all or the last."""
        weights = lstmdoc.split_lstm_weights(
            *[np.full(shape, 0.1) for shape in [(2, 12), (3, 12), (12,)]]
        ).join()
        x = random_inputs(1, 4, 2)
        trace = lstmdoc.lstm_trace(x, *weights)
        np.testing.assert_array_equal(lstmdoc.lstm_forward(x, *weights), trace.hidden[:, -1])
        np.testing.assert_array_equal(
            lstmdoc.lstm_forward(x, *weights, return_sequences=True), trace.hidden
        )

    def test_integer_inputs_are_accepted(self):
        """Integer arrays (such as np.arange) work as inputs and give float64 outputs."""
        weights = (np.full((1, 8), 0.01), np.zeros((2, 8)), np.zeros(8))
        x = np.arange(0, 400, 20).reshape(1, 20, 1)
        output = lstmdoc.lstm_forward(x, *weights)
        assert output.dtype == np.float64
        np.testing.assert_allclose(output, lstmdoc.lstm_forward(x.astype(float), *weights))


WEIGHTS = (np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8))


class TestBadInput:
    @pytest.mark.parametrize(
        ("x", "message"),
        [
            (np.zeros((4, 3)), r"x must be 3-D, got an array of shape \(4, 3\) \(2-D\)"),
            (np.zeros((1, 4, 3, 1)), r"x must be 3-D"),
            (np.zeros((1, 4, 2)), r"x must have shape \(batch, timesteps, 3\).*got \(1, 4, 2\)"),
            (np.zeros((1, 0, 3)), r"at least one sample and one time step"),
            (np.zeros((0, 4, 3)), r"at least one sample and one time step"),
        ],
    )
    def test_bad_x_raises_value_error(self, x, message):
        """x that is not 3-D, or whose last axis does not match the kernel, is refused."""
        with pytest.raises(ValueError, match=message):
            lstmdoc.lstm_forward(x, *WEIGHTS)

    @pytest.mark.parametrize("x", [None, "x", [[1, 2], [3]]])
    def test_non_numeric_x_raises_type_error(self, x):
        """None, a string or a ragged list as x raises TypeError naming x."""
        with pytest.raises(TypeError, match=r"^x must be a 3-D numeric array"):
            lstmdoc.lstm_forward(x, *WEIGHTS)

    @pytest.mark.parametrize("argument", ["activation", "recurrent_activation"])
    def test_unknown_activation_lists_the_supported_ones(self, argument):
        """An unknown activation name raises ValueError listing every supported name."""
        with pytest.raises(ValueError, match=rf"{argument} 'gelu' is not supported") as error:
            lstmdoc.lstm_forward(np.zeros((1, 2, 3)), *WEIGHTS, **{argument: "gelu"})  # type: ignore[arg-type]
        for name in lstmdoc.ACTIVATIONS:
            assert name in str(error.value)

    def test_activation_that_is_not_a_name_raises_type_error(self):
        """A callable is refused with TypeError: activations are given by Keras' names."""
        with pytest.raises(TypeError, match="activation must be an activation's name"):
            lstmdoc.lstm_forward(np.zeros((1, 2, 3)), *WEIGHTS, activation=np.tanh)  # type: ignore[arg-type]

    def test_return_sequences_must_be_a_bool(self):
        """return_sequences="yes" raises TypeError rather than being read as true."""
        with pytest.raises(TypeError, match="return_sequences must be True or False"):
            lstmdoc.lstm_forward(np.zeros((1, 2, 3)), *WEIGHTS, return_sequences="yes")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("initial_state", "error", "message"),
        [
            (np.zeros((1, 2)), TypeError, r"initial_state must be a pair \(h_0, c_0\)"),
            ((np.zeros((1, 2)),), TypeError, r"initial_state must be a pair"),
            ((np.zeros((1, 2)), np.zeros((1, 3))), ValueError, r"initial_state\[1\] must have"),
            ((np.zeros((2, 2)), np.zeros((1, 2))), ValueError, r"initial_state\[0\] must have"),
            ((np.zeros(2), np.zeros((1, 2))), ValueError, r"initial_state\[0\] must be 2-D"),
        ],
    )
    def test_bad_initial_state_is_refused(self, initial_state, error, message):
        """An initial state that is not two (batch, units) arrays is refused, naming which."""
        with pytest.raises(error, match=message):
            lstmdoc.lstm_forward(np.zeros((1, 2, 3)), *WEIGHTS, initial_state=initial_state)

    def test_bad_weights_are_refused_before_any_work(self):
        """A bias of the wrong length raises ValueError from lstm_trace as from split."""
        with pytest.raises(ValueError, match=r"bias must have shape \(8,\)"):
            lstmdoc.lstm_trace(np.zeros((1, 2, 3)), WEIGHTS[0], WEIGHTS[1], np.zeros(7))
