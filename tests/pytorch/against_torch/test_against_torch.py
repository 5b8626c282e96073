"""Tests for lstmdoc.pytorch against real PyTorch: counts, shapes and converted weights."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lstmdoc

# Keras' PyTorch backend reads a variable with np.array(variable), whose __array__
# takes no copy keyword, and NumPy 2 warns about that inside layer.get_weights(). The
# values are right; the warning is Keras' to fix, not a failure of what is tested here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

SIZES = st.integers(min_value=1, max_value=24)
SWEEP = settings(max_examples=40, deadline=None)
ORDER_ONE_TOLERANCE = 1e-5  # absolute, as for lstm_forward against Keras


def torch_shapes(module: torch.nn.Module) -> list[tuple[str, tuple[int, ...]]]:
    """PyTorch's own parameter names and shapes, in its order."""
    return [(name, tuple(parameter.shape)) for name, parameter in module.named_parameters()]


def torch_count(module: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())


class TestTheEnvironment:
    def test_pytorch_is_the_pinned_cpu_build(self):
        """The session runs PyTorch 2.13.0's CPU build, and Keras on PyTorch."""
        assert torch.__version__ == "2.13.0+cpu"
        assert keras.backend.backend() == "torch"

    def test_import_lstmdoc_leaves_torch_unimported(self):
        """lstmdoc and every public name, where PyTorch is installed, import no torch or keras."""
        check = (
            "import sys, lstmdoc; [getattr(lstmdoc, name) for name in lstmdoc.__all__]; "
            "print(sorted({m.split('.')[0] for m in sys.modules}))"
        )
        result = subprocess.run(
            [sys.executable, "-c", check], capture_output=True, text=True, check=True
        )
        modules = result.stdout.splitlines()[-1]
        assert "numpy" in modules  # the check sees real imports: the converters import NumPy
        assert "torch" not in modules
        assert "keras" not in modules


class TestCountsAgainstTorch:
    def test_the_readers_question(self):
        """torch.nn.LSTM(1, 20) has 1,840 parameters, 80 more than Keras' 1,760."""
        assert torch_count(torch.nn.LSTM(1, 20)) == lstmdoc.torch_lstm_param_count(1, 20) == 1840

    @SWEEP
    @given(
        input_size=SIZES,
        hidden_size=st.integers(min_value=2, max_value=24),
        num_layers=st.integers(min_value=1, max_value=3),
        bias=st.booleans(),
        bidirectional=st.booleans(),
        projection=st.floats(min_value=0, max_value=0.99),
    )
    def test_lstm(self, input_size, hidden_size, num_layers, bias, bidirectional, projection):
        """Shapes, names, order and count equal torch.nn.LSTM's, with or without proj_size."""
        proj_size = int(projection * hidden_size)  # 0 .. hidden_size - 1
        options = {
            "num_layers": num_layers,
            "bias": bias,
            "bidirectional": bidirectional,
            "proj_size": proj_size,
        }
        module = torch.nn.LSTM(input_size, hidden_size, **options)
        shapes = lstmdoc.torch_lstm_parameter_shapes(input_size, hidden_size, **options)
        assert list(shapes.items()) == torch_shapes(module)
        assert lstmdoc.torch_lstm_param_count(input_size, hidden_size, **options) == (
            torch_count(module)
        )

    @SWEEP
    @given(
        kind=st.sampled_from(["GRU", "RNN"]),
        input_size=SIZES,
        hidden_size=SIZES,
        num_layers=st.integers(min_value=1, max_value=3),
        bias=st.booleans(),
        bidirectional=st.booleans(),
    )
    def test_gru_and_rnn(self, kind, input_size, hidden_size, num_layers, bias, bidirectional):
        """Shapes, names, order and count equal torch.nn.GRU's and torch.nn.RNN's."""
        options = {"num_layers": num_layers, "bias": bias, "bidirectional": bidirectional}
        module = getattr(torch.nn, kind)(input_size, hidden_size, **options)
        name = kind.lower()
        shapes = getattr(lstmdoc, f"torch_{name}_parameter_shapes")(
            input_size, hidden_size, **options
        )
        count = getattr(lstmdoc, f"torch_{name}_param_count")(input_size, hidden_size, **options)
        assert list(shapes.items()) == torch_shapes(module)
        assert count == torch_count(module)


def keras_model(layers: list[keras.layers.Layer], timesteps: int, features: int, seed: int):
    """A Keras model of ``layers`` with every weight, biases too, drawn from [-1, 1] / 2."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(timesteps, features)), *layers])
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        layer.set_weights(
            [rng.uniform(-0.5, 0.5, size=w.shape).astype("float32") for w in layer.get_weights()]
        )
    return model


def load(module: torch.nn.Module, entries: dict[str, np.ndarray]) -> torch.nn.Module:
    """Load converted NumPy entries into a PyTorch module: every name must fit exactly."""
    module.load_state_dict({name: torch.from_numpy(array) for name, array in entries.items()})
    return module.eval()


def run_torch(module: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        output, _ = module(torch.from_numpy(x))
    return np.asarray(output.numpy())


def inputs(batch: int, timesteps: int, features: int) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(batch, timesteps, features)).astype("float32")


class TestConvertersAgainstTorch:
    @pytest.mark.parametrize("use_bias", [True, False])
    @pytest.mark.parametrize(("units", "features"), [(1, 1), (20, 1), (5, 3), (8, 6)])
    def test_lstm(self, use_bias, units, features):
        """A converted Keras LSTM computes, in torch.nn.LSTM, what Keras computes."""
        model = keras_model(
            [keras.layers.LSTM(units, return_sequences=True, use_bias=use_bias)],
            timesteps=7,
            features=features,
            seed=units,
        )
        x = inputs(3, 7, features)
        entries = lstmdoc.lstm_weights_to_torch(*model.layers[0].get_weights())
        module = load(torch.nn.LSTM(features, units, bias=use_bias, batch_first=True), entries)
        expected = model.predict(x, verbose=0)
        assert np.abs(expected).max() > 0.05  # non-trivial outputs
        np.testing.assert_allclose(run_torch(module, x), expected, atol=ORDER_ONE_TOLERANCE)

    def test_stacked_bidirectional_lstm(self):
        """Two Bidirectional LSTMs convert, with layer_index and reverse, to one torch.nn.LSTM."""
        model = keras_model(
            [
                keras.layers.Bidirectional(keras.layers.LSTM(6, return_sequences=True)),
                keras.layers.Bidirectional(keras.layers.LSTM(6, return_sequences=True)),
            ],
            timesteps=5,
            features=3,
            seed=4,
        )
        entries: dict[str, np.ndarray] = {}
        for index, wrapper in enumerate(model.layers):
            for layer, reverse in ((wrapper.forward_layer, False), (wrapper.backward_layer, True)):
                entries |= lstmdoc.lstm_weights_to_torch(
                    *layer.get_weights(), layer_index=index, reverse=reverse
                )
        module = load(
            torch.nn.LSTM(3, 6, num_layers=2, bidirectional=True, batch_first=True), entries
        )
        x = inputs(2, 5, 3)
        np.testing.assert_allclose(
            run_torch(module, x), model.predict(x, verbose=0), atol=ORDER_ONE_TOLERANCE
        )

    @pytest.mark.parametrize("use_bias", [True, False])
    def test_gru(self, use_bias):
        """A converted Keras GRU (reset_after=True) computes, in torch.nn.GRU, what Keras does."""
        model = keras_model(
            [keras.layers.GRU(5, return_sequences=True, use_bias=use_bias)],
            timesteps=6,
            features=4,
            seed=2,
        )
        entries = lstmdoc.gru_weights_to_torch(*model.layers[0].get_weights())
        module = load(torch.nn.GRU(4, 5, bias=use_bias, batch_first=True), entries)
        x = inputs(3, 6, 4)
        np.testing.assert_allclose(
            run_torch(module, x), model.predict(x, verbose=0), atol=ORDER_ONE_TOLERANCE
        )

    @pytest.mark.parametrize("activation", ["tanh", "relu"])
    def test_simple_rnn(self, activation):
        """A converted Keras SimpleRNN computes, in torch.nn.RNN, what Keras does."""
        model = keras_model(
            [keras.layers.SimpleRNN(4, return_sequences=True, activation=activation)],
            timesteps=6,
            features=3,
            seed=3,
        )
        entries = lstmdoc.simple_rnn_weights_to_torch(*model.layers[0].get_weights())
        module = load(torch.nn.RNN(3, 4, nonlinearity=activation, batch_first=True), entries)
        x = inputs(2, 6, 3)
        np.testing.assert_allclose(
            run_torch(module, x), model.predict(x, verbose=0), atol=ORDER_ONE_TOLERANCE
        )

    def test_entries_are_transposed_copies(self):
        """weight_ih is the kernel transposed: (4·units, features), contiguous, same dtype."""
        kernel = np.arange(24, dtype="float32").reshape(3, 8)
        entries = lstmdoc.lstm_weights_to_torch(kernel, np.zeros((2, 8), "float32"))
        assert list(entries) == ["weight_ih_l0", "weight_hh_l0"]
        np.testing.assert_array_equal(entries["weight_ih_l0"], kernel.T)
        assert entries["weight_ih_l0"].flags.c_contiguous
        assert entries["weight_ih_l0"].dtype == np.float32


def torch_module(kind: str, *arguments: int, seed: int, **options) -> torch.nn.Module:
    """A torch.nn recurrent module, batch first, as PyTorch initialises it under ``seed``."""
    torch.manual_seed(seed)
    return getattr(torch.nn, kind)(*arguments, batch_first=True, **options).eval()


def numpy_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {name: tensor.numpy() for name, tensor in module.state_dict().items()}


class TestConvertersFromTorch:
    @pytest.mark.parametrize("bias", [True, False])
    @pytest.mark.parametrize(("input_size", "hidden_size"), [(1, 1), (1, 20), (3, 5), (6, 8)])
    def test_lstm(self, bias, input_size, hidden_size):
        """A torch.nn.LSTM's state_dict, converted, makes a Keras LSTM compute PyTorch's outputs."""
        module = torch_module("LSTM", input_size, hidden_size, bias=bias, seed=hidden_size)
        if bias:  # the two biases differ, so that only their sum gives PyTorch's gates
            assert not torch.equal(module.bias_ih_l0, module.bias_hh_l0)
        model = keras.Sequential(
            [
                keras.Input(shape=(7, input_size)),
                keras.layers.LSTM(hidden_size, return_sequences=True, use_bias=bias),
            ]
        )
        model.layers[0].set_weights(lstmdoc.lstm_weights_from_torch(module.state_dict()))
        x = inputs(3, 7, input_size)
        expected = run_torch(module, x)
        assert np.abs(expected).max() > 0.05  # non-trivial outputs
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=ORDER_ONE_TOLERANCE)

    def test_stacked_bidirectional_lstm(self):
        """Each layer and direction of one torch.nn.LSTM fills a Keras Bidirectional layer."""
        module = torch_module("LSTM", 3, 6, num_layers=2, bidirectional=True, seed=4)
        model = keras.Sequential(
            [
                keras.Input(shape=(5, 3)),
                keras.layers.Bidirectional(keras.layers.LSTM(6, return_sequences=True)),
                keras.layers.Bidirectional(keras.layers.LSTM(6, return_sequences=True)),
            ]
        )
        state = module.state_dict()
        for index, wrapper in enumerate(model.layers):
            wrapper.set_weights(
                lstmdoc.lstm_weights_from_torch(state, layer_index=index)
                + lstmdoc.lstm_weights_from_torch(state, layer_index=index, reverse=True)
            )
        x = inputs(2, 5, 3)
        np.testing.assert_allclose(
            model.predict(x, verbose=0), run_torch(module, x), atol=ORDER_ONE_TOLERANCE
        )

    @pytest.mark.parametrize("bias", [True, False])
    def test_gru(self, bias):
        """A torch.nn.GRU, converted, makes Keras' default GRU (reset_after=True) compute its outputs."""
        module = torch_module("GRU", 4, 5, bias=bias, seed=2)
        model = keras.Sequential(
            [keras.Input(shape=(6, 4)), keras.layers.GRU(5, return_sequences=True, use_bias=bias)]
        )
        model.layers[0].set_weights(lstmdoc.gru_weights_from_torch(module.state_dict()))
        x = inputs(3, 6, 4)
        np.testing.assert_allclose(
            model.predict(x, verbose=0), run_torch(module, x), atol=ORDER_ONE_TOLERANCE
        )

    @pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
    def test_simple_rnn(self, nonlinearity):
        """A torch.nn.RNN, converted, makes a Keras SimpleRNN of its activation compute its outputs."""
        module = torch_module("RNN", 3, 4, nonlinearity=nonlinearity, seed=3)
        model = keras.Sequential(
            [
                keras.Input(shape=(6, 3)),
                keras.layers.SimpleRNN(4, return_sequences=True, activation=nonlinearity),
            ]
        )
        model.layers[0].set_weights(lstmdoc.simple_rnn_weights_from_torch(module.state_dict()))
        x = inputs(2, 6, 3)
        np.testing.assert_allclose(
            model.predict(x, verbose=0), run_torch(module, x), atol=ORDER_ONE_TOLERANCE
        )

    @pytest.mark.parametrize(
        ("kind", "to_keras", "to_torch"),
        [
            ("LSTM", lstmdoc.lstm_weights_from_torch, lstmdoc.lstm_weights_to_torch),
            ("GRU", lstmdoc.gru_weights_from_torch, lstmdoc.gru_weights_to_torch),
            ("RNN", lstmdoc.simple_rnn_weights_from_torch, lstmdoc.simple_rnn_weights_to_torch),
        ],
    )
    def test_the_round_trip_reproduces_pytorchs_outputs(self, kind, to_keras, to_torch):
        """PyTorch → Keras → PyTorch: a fresh module loads the result and computes the same."""
        original = torch_module(kind, 3, 5, seed=5)
        returned = load(
            torch_module(kind, 3, 5, seed=6), to_torch(*to_keras(numpy_state(original)))
        )
        x = inputs(2, 6, 3)
        np.testing.assert_allclose(
            run_torch(returned, x), run_torch(original, x), atol=ORDER_ONE_TOLERANCE
        )
        if kind == "GRU":  # nothing is summed: every entry comes back as it was
            for name, tensor in original.state_dict().items():
                assert torch.equal(returned.state_dict()[name], tensor), name

    def test_a_whole_models_state_dict_with_a_prefix(self):
        """prefix reads one module of a model's state_dict, such as lstm.weight_ih_l0."""
        torch.manual_seed(7)
        model = torch.nn.Sequential()
        model.add_module("embedding", torch.nn.Embedding(10, 3))
        model.add_module("lstm", torch.nn.LSTM(3, 4, batch_first=True))
        kernel, recurrent_kernel, bias = lstmdoc.lstm_weights_from_torch(
            model.state_dict(), prefix="lstm."
        )
        np.testing.assert_array_equal(kernel, model.lstm.weight_ih_l0.detach().numpy().T)
        assert (recurrent_kernel.shape, bias.shape) == ((4, 16), (16,))

    def test_a_tensor_that_requires_grad_is_named(self):
        """named_parameters() gives tensors NumPy cannot read: a TypeError says to use state_dict()."""
        module = torch.nn.LSTM(1, 2)
        with pytest.raises(TypeError, match=r"weight_hh_l0 must be a numeric array .*state_dict"):
            lstmdoc.lstm_weights_from_torch(dict(module.named_parameters()))


def _torch_conv(rank: int) -> Callable[[dict[str, Any]], torch.nn.Module]:
    """How to build torch.nn.Conv1d, 2d or 3d from a family's arguments."""

    def build(a: dict[str, Any]) -> torch.nn.Module:
        return getattr(torch.nn, f"Conv{rank}d")(
            a["in_channels"], a["out_channels"], a["kernel_size"], groups=a["groups"],
            bias=a["bias"],
        )  # fmt: skip

    return build


# Each family of lstmdoc.counting with a module of torch.nn: how to build it.
TORCH_FAMILIES: dict[str, Callable[[dict[str, Any]], torch.nn.Module]] = {
    "torch-lstm": lambda a: torch.nn.LSTM(
        a["input_size"], a["hidden_size"], a["num_layers"], bias=a["bias"],
        bidirectional=a["bidirectional"], proj_size=a["proj_size"],
    ),
    "torch-gru": lambda a: torch.nn.GRU(
        a["input_size"], a["hidden_size"], a["num_layers"], bias=a["bias"],
        bidirectional=a["bidirectional"],
    ),
    "torch-rnn": lambda a: torch.nn.RNN(
        a["input_size"], a["hidden_size"], a["num_layers"], bias=a["bias"],
        bidirectional=a["bidirectional"],
    ),
    "torch-linear": lambda a: torch.nn.Linear(a["in_features"], a["out_features"], bias=a["bias"]),
    **{f"torch-conv{rank}d": _torch_conv(rank) for rank in (1, 2, 3)},
    "torch-embedding": lambda a: torch.nn.Embedding(a["num_embeddings"], a["embedding_dim"]),
    "torch-layer-norm": lambda a: torch.nn.LayerNorm(
        a["normalized_shape"], elementwise_affine=a["elementwise_affine"], bias=a["bias"]
    ),
    "torch-batch-norm": lambda a: torch.nn.BatchNorm2d(
        a["num_features"], affine=a["affine"], track_running_stats=a["track_running_stats"],
        bias=a["bias"],
    ),
}  # fmt: skip


@st.composite
def family_arguments(draw, family: str) -> dict[str, object]:
    """Arguments for a family that PyTorch accepts, drawn at random."""
    values: dict[str, object] = {}
    groups = draw(st.integers(1, 3))
    for argument in lstmdoc.FAMILIES[family].arguments:
        if argument.kind == "flag":
            values[argument.name] = draw(st.booleans())
        elif argument.kind == "sizes":
            values[argument.name] = draw(
                st.lists(
                    st.integers(1, 3), min_size=argument.length or 1, max_size=argument.length or 3
                )
            )
        elif argument.name in {"in_channels", "out_channels"}:
            values[argument.name] = groups * draw(st.integers(1, 4))
        elif argument.name == "groups":
            values[argument.name] = groups
        else:
            values[argument.name] = draw(st.integers(1, 6))
    if "proj_size" in values:
        values["proj_size"] = draw(st.integers(0, int(values["hidden_size"]) - 1))  # type: ignore[call-overload]
    return values


class TestFamiliesAgainstTorch:
    def test_every_pytorch_family_is_held_against_torch(self):
        """No torch-... family of lstmdoc count goes untested here."""
        assert set(TORCH_FAMILIES) == {key for key in lstmdoc.FAMILIES if key.startswith("torch-")}

    @pytest.mark.parametrize("family", sorted(TORCH_FAMILIES))
    @settings(max_examples=15, deadline=None)
    @given(data=st.data())
    def test_a_family_creates_the_modules_parameters_and_buffers(self, family, data):
        """lstmdoc count's parameters and buffers are the real module's, by name, shape and order."""
        arguments = data.draw(family_arguments(family))
        module = TORCH_FAMILIES[family](arguments)
        counted = lstmdoc.breakdown(family, **arguments)
        assert [(w.name, w.shape) for w in counted.weights] == torch_shapes(module)
        assert [(b.name, b.shape) for b in counted.buffers] == [
            (name, tuple(buffer.shape)) for name, buffer in module.named_buffers()
        ]
        assert counted.total == torch_count(module)
