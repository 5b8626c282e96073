"""The bytes lstmdoc derives for a Keras model's weights and optimizer, against Keras' own.

The truth is Keras: the variables a model and its optimizer hold, each its values times
its dtype's width, as ``keras.src.utils.summary_utils.weight_memory_size`` sizes them
for ``model.summary()``; and the summary's own printed sizes.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter

import keras
import numpy as np
import pytest
from keras import layers
from keras.src.utils.summary_utils import weight_memory_size

import lstmdoc
from lstmdoc.counting.memory import readable
from tests._keras_models import save
from tests.keras.test_optimizers import OPTIMIZERS
from tests.keras.test_quantized import LAYERS, MODES, quantized


def keras_by_dtype(variables) -> dict[str, tuple[int, int]]:
    """Each dtype's values and bytes among ``variables``, as Keras holds them (each once)."""
    values: Counter[str] = Counter()
    size: Counter[str] = Counter()
    for variable in {id(v): v for v in variables}.values():
        count = math.prod(variable.shape)
        values[variable.dtype] += count
        size[variable.dtype] += count * np.dtype(variable.dtype).itemsize
    return {dtype: (values[dtype], size[dtype]) for dtype in sorted(values)}


def family_model(policy: str) -> keras.Model:
    """A model of many families, with trainable and non-trainable weights, under ``policy``."""
    inputs = keras.Input(shape=(6, 3))
    x = layers.LSTM(5, return_sequences=True, dtype=policy)(inputs)
    x = layers.GRU(4, return_sequences=True, dtype=policy)(x)
    x = layers.Conv1D(3, 2, dtype=policy)(x)
    x = layers.BatchNormalization(dtype=policy)(x)
    x = layers.LayerNormalization(dtype=policy)(x)
    x = layers.MultiHeadAttention(2, 3, dtype=policy)(x, x)
    x = layers.Bidirectional(layers.SimpleRNN(2, dtype=policy), dtype=policy)(x)
    outputs = layers.Dense(2, dtype=policy)(x)
    return keras.Model(inputs, outputs)


def summary_sizes(model: keras.Model) -> dict[str, str]:
    """The sizes ``model.summary()`` prints after each count, such as ``{"Total": "8.52 KB"}``."""
    out = io.StringIO()
    model.summary(print_fn=lambda line, **_: out.write(line + "\n"))
    return dict(re.findall(r"(\w[\w-]*) params: [\d,]+ \(([^)]+)\)", out.getvalue()))


class TestWeightBytes:
    def test_the_tutorial_model_takes_what_the_summary_prints(self):
        model = keras.Sequential(
            [keras.Input((20, 1)), layers.LSTM(20, activation="relu"), layers.Dense(20)]
        )
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        assert memory.weight_bytes == 2180 * 4  # by hand: 2,180 float32 values
        assert readable(memory.weight_bytes) == summary_sizes(model)["Trainable"] == "8.52 KB"

    @pytest.mark.parametrize("policy", ["float32", "float16", "float64", "mixed_float16"])
    def test_each_dtype_as_keras_holds_it(self, policy):
        """A ``mixed_float16`` layer keeps float32 weights; a ``float16`` one float16 weights."""
        model = family_model(policy)
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        assert dict(memory.by_dtype) == keras_by_dtype(model.weights)
        assert memory.trainable_bytes == weight_memory_size(model.trainable_weights)
        assert memory.non_trainable_bytes == weight_memory_size(model.non_trainable_weights)

    def test_a_frozen_layer_is_non_trainable_bytes(self):
        model = family_model("float32")
        model.layers[1].trainable = False
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        assert memory.trainable_bytes == weight_memory_size(model.trainable_weights)
        assert memory.non_trainable_bytes == weight_memory_size(model.non_trainable_weights)

    @pytest.mark.parametrize("mode", MODES)
    @pytest.mark.parametrize("name", LAYERS)
    def test_quantized_layers_keep_integer_kernels(self, name, mode):
        """int8 and int4 kernels are int8 (int4 packed two to a byte); scales follow the policy.

        Not quite all: Keras 3.15 keeps a ReversibleEmbedding's int4 ``reverse_embeddings_zero``
        in float32, where its ``embeddings_zero`` is int8.
        """
        model = quantized(name, mode)
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        assert dict(memory.by_dtype) == keras_by_dtype(model.weights)

    @pytest.mark.parametrize("mode", ["int8", "int4 in blocks of 2", "float8"])
    @pytest.mark.parametrize("name", ["Dense", "EinsumDense into heads", "Embedding"])
    def test_lora_factors_beside_a_quantized_kernel_are_float32(self, name, mode):
        model = quantized(name, mode, lora_rank=2)
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        assert dict(memory.by_dtype) == keras_by_dtype(model.weights)

    def test_lora_factors_are_float32_under_a_float16_policy(self):
        dense = layers.Dense(6, dtype="float16")
        model = keras.Sequential([keras.Input((4,)), dense])
        dense.enable_lora(2)
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        assert dict(memory.by_dtype) == keras_by_dtype(model.weights)

    def test_a_layer_used_twice_is_counted_once(self):
        shared = layers.Dense(3)
        inputs = keras.Input((3,))
        model = keras.Model(inputs, shared(shared(inputs)))
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        assert memory.weight_bytes == weight_memory_size(model.weights) == 12 * 4

    def test_a_saved_file_gives_the_same_bytes(self, tmp_path):
        model = family_model("mixed_float16")
        path = save(model, tmp_path / "model.keras")
        memory = lstmdoc.explain_file(path).memory
        assert memory is not None
        assert dict(memory.by_dtype) == keras_by_dtype(model.weights)


class TestOptimizerBytes:
    @pytest.mark.parametrize("name", sorted(OPTIMIZERS))
    def test_the_optimizers_variables_as_keras_holds_them(self, name):
        model = keras.Sequential(
            [keras.Input((3,)), layers.Dense(4), layers.BatchNormalization(), layers.Dense(1)]
        )
        model.compile(optimizer=OPTIMIZERS[name](), loss="mse")
        model.optimizer.build(model.trainable_variables)
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        assert memory.optimizer_bytes == weight_memory_size(model.optimizer.variables)

    @pytest.mark.parametrize("policy", ["float16", "mixed_float16"])
    def test_slots_follow_their_weights_dtype(self, policy):
        """Under mixed_float16, Keras wraps Adam in a LossScaleOptimizer, with two scalars more."""
        model = family_model(policy)
        model.compile(optimizer="adam", loss="mse")
        model.optimizer.build(model.trainable_variables)
        memory = lstmdoc.explain(model).memory
        assert memory is not None
        assert memory.optimizer_bytes is not None
        assert memory.optimizer_bytes == weight_memory_size(model.optimizer.variables)
        sizes = summary_sizes(model)
        assert readable(memory.total_bytes) == sizes["Total"]
        assert readable(memory.optimizer_bytes) == sizes["Optimizer"]

    def test_a_trained_model_saved_with_its_optimizer(self, tmp_path):
        model = keras.Sequential([keras.Input((5, 1)), layers.LSTM(3), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.ones((2, 5, 1)), np.ones((2, 1)), epochs=1, verbose=0)
        memory = lstmdoc.explain_file(save(model, tmp_path / "trained.keras")).memory
        assert memory is not None
        assert memory.optimizer_bytes == weight_memory_size(model.optimizer.variables)
