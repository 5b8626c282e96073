"""Tests of lstmdoc.example: the worked example's data, model and fast training."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lstmdoc.example

keras = pytest.importorskip("keras")


def _weights(model: Any) -> list[np.ndarray]:
    return [np.array(weight) for weight in model.get_weights()]


class TestSequence:
    def test_is_the_classic_sequence(self):
        """The default sample is 0, 20, ..., 380 as x (1, 20, 1) and y (1, 20), in float32."""
        x, y = lstmdoc.example.sequence()
        expected = np.arange(0, 400, 20)
        assert x.shape == (1, 20, 1)
        assert y.shape == (1, 20)
        assert x.dtype == y.dtype == np.float32
        np.testing.assert_array_equal(x[0, :, 0], expected)
        np.testing.assert_array_equal(y[0], expected)

    def test_length_and_step_shape_the_sample(self):
        """length sets the time steps and step the difference between numbers."""
        x, y = lstmdoc.example.sequence(length=4, step=0.5)
        np.testing.assert_array_equal(x.ravel(), [0.0, 0.5, 1.0, 1.5])
        np.testing.assert_array_equal(y, [[0.0, 0.5, 1.0, 1.5]])

    @pytest.mark.parametrize(
        ("arguments", "error", "words"),
        [
            ({"length": 0}, ValueError, "length must be a positive integer"),
            ({"length": 2.0}, TypeError, "length must be a positive integer, got 2.0"),
            ({"step": "20"}, TypeError, "step must be a real number, got '20'"),
            ({"step": True}, TypeError, "step must be a real number"),
            ({"step": float("nan")}, ValueError, "step must be a finite number, got nan"),
        ],
    )
    def test_refuses_bad_arguments(self, arguments, error, words):
        """A bad length or step raises an error naming the argument and the value."""
        with pytest.raises(error, match=words):
            lstmdoc.example.sequence(**arguments)


class TestBuildModel:
    def test_is_the_worked_example(self):
        """LSTM(20, relu) then Dense(20) on (20, 1) inputs: 1,760 + 420 = 2,180 parameters."""
        model = lstmdoc.example.build_model()
        lstm, dense = model.get_layer("lstm"), model.get_layer("dense")
        assert tuple(model.input_shape) == (None, 20, 1)
        assert lstm.units == 20
        assert lstm.get_config()["activation"] == "relu"
        assert dense.units == 20
        assert lstm.count_params() == 4 * 20 * (1 + 20 + 1) == 1760
        assert dense.count_params() == 20 * (20 + 1) == 420
        assert model.count_params() == 2180
        assert model.loss == "mean_squared_error"

    def test_equal_seeds_give_equal_weights(self):
        """Building twice with one seed gives the same weights; another seed, others."""
        first = _weights(lstmdoc.example.build_model(seed=3))
        second = _weights(lstmdoc.example.build_model(seed=3))
        other = _weights(lstmdoc.example.build_model(seed=4))
        for a, b in zip(first, second, strict=True):
            np.testing.assert_array_equal(a, b)
        assert not np.array_equal(first[1], other[1])

    def test_units_and_length_size_the_layers(self):
        """units sizes the LSTM and length both the input's time steps and the Dense layer."""
        model = lstmdoc.example.build_model(units=3, length=5)
        assert tuple(model.input_shape) == (None, 5, 1)
        assert model.get_layer("lstm").count_params() == 4 * 3 * (1 + 3 + 1)
        assert model.get_layer("dense").count_params() == 5 * (3 + 1)

    @pytest.mark.parametrize(
        ("arguments", "error", "words"),
        [
            ({"units": 0}, ValueError, "units must be a positive integer"),
            ({"units": "20"}, TypeError, "units must be a positive integer, got '20'"),
            ({"length": -1}, ValueError, "length must be a positive integer"),
            ({"seed": -1}, ValueError, "seed must be a non-negative integer, got -1"),
            ({"seed": 1.5}, TypeError, "seed must be a non-negative integer, got 1.5"),
            ({"seed": False}, TypeError, "seed must be a non-negative integer"),
        ],
    )
    def test_refuses_bad_arguments(self, arguments, error, words):
        """A bad argument raises an error naming it, before Keras builds anything."""
        with pytest.raises(error, match=words):
            lstmdoc.example.build_model(**arguments)


class TestTrain:
    def test_gives_the_weights_of_one_epoch_per_step(self):
        """Training on the repeated dataset equals fit(x, y, epochs=steps, batch_size=1)."""
        x, y = lstmdoc.example.sequence()
        fast = lstmdoc.example.build_model(seed=1)
        slow = lstmdoc.example.build_model(seed=1)
        losses = lstmdoc.example.train(fast, x, y, steps=25)
        history = slow.fit(x, y, epochs=25, batch_size=1, verbose=0)
        for a, b in zip(_weights(fast), _weights(slow), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-5)

    def test_returns_the_loss_of_every_step(self):
        """One float per step; the first is the mean squared error of the untrained model."""
        x, y = lstmdoc.example.sequence()
        model = lstmdoc.example.build_model(seed=2)
        untrained_error = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
        losses = lstmdoc.example.train(model, x, y, steps=7)
        assert len(losses) == 7
        assert all(type(loss) is float for loss in losses)
        assert losses[0] == pytest.approx(untrained_error, rel=1e-5)
        assert losses[-1] < losses[0]

    def test_is_deterministic(self):
        """Two runs from the same seed end with identical weights."""
        x, y = lstmdoc.example.sequence()
        runs = []
        for _ in range(2):
            model = lstmdoc.example.build_model(seed=5)
            lstmdoc.example.train(model, x, y, steps=10)
            runs.append(_weights(model))
        for a, b in zip(*runs, strict=True):
            np.testing.assert_array_equal(a, b)

    def test_refuses_bad_arguments(self):
        """A bad model, sample or step count raises an error naming the argument."""
        x, y = lstmdoc.example.sequence()
        model = lstmdoc.example.build_model()
        with pytest.raises(ValueError, match="steps must be a positive integer"):
            lstmdoc.example.train(model, x, y, steps=0)
        with pytest.raises(TypeError, match="model must be a compiled Keras model"):
            lstmdoc.example.train("model", x, y)
        with pytest.raises(ValueError, match=r"x must be one sample .* got an array of shape"):
            lstmdoc.example.train(model, np.concatenate([x, x]), y)
        with pytest.raises(TypeError, match="y must be a numeric array"):
            lstmdoc.example.train(model, x, None)
