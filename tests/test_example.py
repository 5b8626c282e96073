"""Tests of lstmdoc.example: the worked example's data, model and fast training."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import lstmdoc.example

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")


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


def _tutorial_training(steps: int) -> tuple[Any, list[float]]:
    """The tutorial's own code, in plain Keras: build from seed 0, fit over a repeated dataset."""
    numbers = np.arange(0, 400, 20, dtype="float32")
    x, y = numbers.reshape(1, 20, 1), numbers.reshape(1, 20)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(20, 1)),
            keras.layers.LSTM(20, activation="relu"),
            keras.layers.Dense(20),
        ]
    )
    model.compile(loss="mean_squared_error", optimizer="adam")
    dataset = tf.data.Dataset.from_tensors((x, y)).repeat(steps)
    history = model.fit(dataset, epochs=steps, steps_per_epoch=1, shuffle=False, verbose=0)
    return model, history.history["loss"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder of trained weights, named by LSTMDOC_CACHE_DIR."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(lstmdoc.example.CACHE_VARIABLE, str(folder))
    return folder


def _no_training(*_args: Any, **_kwargs: Any) -> list[float]:
    raise AssertionError("trained_model trained, where the cache holds the weights")


class TestTrainedModel:
    @pytest.mark.usefixtures("cache")
    def test_trains_then_loads_the_weights_that_training_gives(self, monkeypatch):
        """Trained afresh and loaded from the cache, the weights equal plain Keras' training, bit for bit."""
        fresh, fresh_losses = lstmdoc.example.trained_model(steps=30)
        assert lstmdoc.example.cached_weights_path(steps=30).is_file()
        monkeypatch.setattr(lstmdoc.example, "train", _no_training)
        loaded, loaded_losses = lstmdoc.example.trained_model(steps=30)
        truth, truth_losses = _tutorial_training(steps=30)
        for model in (fresh, loaded):
            for mine, theirs in zip(_weights(model), _weights(truth), strict=True):
                np.testing.assert_array_equal(mine, theirs)
        assert fresh_losses == loaded_losses == truth_losses
        assert loaded.get_layer("lstm").units == 20

    def test_loads_what_the_tutorial_saved(self, cache, monkeypatch):
        """Weights trained by the tutorial's code and saved are what trained_model returns, untrained."""
        truth, truth_losses = _tutorial_training(steps=12)
        written = lstmdoc.example.save_trained(truth, truth_losses)
        assert written == lstmdoc.example.cached_weights_path(steps=12)
        assert written.parent == cache
        monkeypatch.setattr(lstmdoc.example, "train", _no_training)
        loaded, losses = lstmdoc.example.trained_model(steps=12)
        for mine, theirs in zip(_weights(loaded), _weights(truth), strict=True):
            np.testing.assert_array_equal(mine, theirs)
        assert losses == truth_losses

    def test_processes_that_ask_at_once_train_once(self, cache):
        """Two fresh processes asking together: one trains, the other waits and loads its weights."""
        script = (
            "import lstmdoc.example as example\n"
            "calls = []\n"
            "train = example.train\n"
            "example.train = lambda *args, **options: calls.append(1) or train(*args, **options)\n"
            "model, losses = example.trained_model(steps=3)\n"
            "print(len(calls), *[float(weight.sum()) for weight in model.get_weights()])\n"
        )
        environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=environment
            )
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=600)[0].split() for process in processes]
        assert all(process.returncode == 0 for process in processes)
        assert sorted(int(output[0]) for output in outputs) == [0, 1]
        assert outputs[0][1:] == outputs[1][1:]  # the same weights
        assert [path.suffix for path in sorted(cache.iterdir())].count(".npz") == 1

    def test_each_setting_has_its_own_file(self, cache):
        """Another seed or step count names another file in the cache folder; equal ones the same."""
        default = lstmdoc.example.cached_weights_path()
        assert default == lstmdoc.example.cached_weights_path(seed=0, steps=1500)
        others = {
            lstmdoc.example.cached_weights_path(seed=1),
            lstmdoc.example.cached_weights_path(steps=1499),
        }
        assert default not in others
        assert len(others) == 2
        assert all(path.parent == cache for path in {default, *others})

    def test_a_damaged_file_is_trained_again_and_replaced(self, cache):
        """A cache file that is not one lstmdoc wrote is ignored and replaced whole, leaving no temporary file."""
        path = lstmdoc.example.cached_weights_path(steps=5)
        cache.mkdir()
        path.write_bytes(b"not an npz file")
        _, losses = lstmdoc.example.trained_model(steps=5)
        assert len(losses) == 5
        with np.load(path) as saved:
            np.testing.assert_array_equal(saved["losses"], losses)
        assert sorted(item.suffix for item in cache.iterdir()) == [".lock", ".npz"]

    def test_refuses_a_model_that_is_not_the_example(self, cache):
        """save_trained refuses other shapes, and a model whose optimiser took other steps."""
        other = lstmdoc.example.build_model(units=3)
        with pytest.raises(ValueError, match="must be the example's LSTM"):
            lstmdoc.example.save_trained(other, [1.0])
        untrained = lstmdoc.example.build_model()
        untrained.optimizer.build(untrained.trainable_variables)
        with pytest.raises(ValueError, match="the optimiser took 0 steps, but there are 2 losses"):
            lstmdoc.example.save_trained(untrained, [2.0, 1.0])
        assert not cache.exists()


class TestCacheFolder:
    def test_the_variable_names_the_folder(self, monkeypatch, tmp_path):
        """LSTMDOC_CACHE_DIR, where set, is the folder."""
        monkeypatch.setenv("LSTMDOC_CACHE_DIR", str(tmp_path))
        assert lstmdoc.example.cache_folder() == tmp_path

    @pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's cache folders")
    def test_else_the_users_cache_folder(self, monkeypatch, tmp_path):
        """Without it, XDG_CACHE_HOME/lstmdoc, or ~/.cache/lstmdoc where that is unset too."""
        monkeypatch.delenv("LSTMDOC_CACHE_DIR", raising=False)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        assert lstmdoc.example.cache_folder() == tmp_path / "lstmdoc"
        monkeypatch.delenv("XDG_CACHE_HOME")
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert lstmdoc.example.cache_folder() == tmp_path / "home" / ".cache" / "lstmdoc"
