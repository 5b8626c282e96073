"""Tests for lstmdoc.keras.costs: a Keras model's mult-adds, against the products Keras runs.

The truth is the Keras model itself, run on Keras' PyTorch backend under
``torch.utils.flop_counter.FlopCounterMode``, which counts two FLOPs for each
multiply-add of every matrix product, einsum and convolution the backend runs.
This measures Keras' own layers, not a port of them: a model rebuilt in PyTorch by
hand, or through lstmdoc's converters, would test our reading of Keras twice. The
TensorFlow profiler would do too, but it counts a bias addition or an activation
as FLOPs, where lstmdoc follows FlopCounterMode's convention.

Two things are set so that what runs is what the layer computes: recurrent layers
are built with ``unroll=True``, since the backend's loop otherwise runs its cell
once more on the first step to learn its output's shape; attention is called with
``return_attention_scores=True``, so that Keras computes the scores with
``einsum``, whose products FlopCounterMode counts, rather than with
``scaled_dot_product_attention``, whose CPU kernel it does not. Neither changes
the layer's weights or the products of its formula.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest
import torch
from keras import layers
from torch.utils.flop_counter import FlopCounterMode

import lstmdoc


def measured(model: keras.Model, inputs: Any) -> int:
    """The multiply-adds Keras runs for one call of ``model``: FlopCounterMode's FLOPs / 2."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(inputs)
    flops = int(counter.get_total_flops())
    assert flops % 2 == 0
    return flops // 2


def zeros(model: keras.Model, steps: int | None = None) -> Any:
    """One sample of zeros for each of the model's inputs (``steps`` for a ``None`` axis)."""
    arrays = []
    for tensor in model.inputs:
        shape = [1, *(steps or 1 if size is None else int(size) for size in tensor.shape[1:])]
        arrays.append(np.zeros(shape, dtype=tensor.dtype))
    return arrays[0] if len(arrays) == 1 else arrays


def sequential(shape: tuple[int | None, ...], *stack: layers.Layer, **options: Any) -> keras.Model:
    return keras.Sequential([keras.Input(shape, **options), *stack])


def attention_model(layer: layers.Layer, query: int, value: int, *, features: int) -> keras.Model:
    """``layer`` on a query and a value, returning its scores, so Keras computes them with einsum."""
    query_input = keras.Input((query, features))
    value_input = keras.Input((value, features))
    output, _scores = layer(query_input, value_input, return_attention_scores=True)
    return keras.Model([query_input, value_input], output)


def dot_attention_model(layer: layers.Layer, query: int, value: int, features: int) -> keras.Model:
    """``Attention`` or ``AdditiveAttention`` on ``[query, value]``, its scores returned."""
    query_input = keras.Input((query, features))
    value_input = keras.Input((value, features))
    output, _scores = layer([query_input, value_input], return_attention_scores=True)
    return keras.Model([query_input, value_input], output)


MODELS: dict[str, Callable[[], keras.Model]] = {
    "lstm": lambda: sequential((20, 1), layers.LSTM(20, unroll=True)),
    "lstm-sequences-dense": lambda: sequential(
        (7, 3), layers.LSTM(8, return_sequences=True, unroll=True), layers.Dense(5)
    ),
    "lstm-no-bias": lambda: sequential((7, 3), layers.LSTM(4, use_bias=False, unroll=True)),
    "gru": lambda: sequential((7, 3), layers.GRU(4, unroll=True)),
    "gru-reset-before": lambda: sequential((7, 3), layers.GRU(4, reset_after=False, unroll=True)),
    "simple-rnn": lambda: sequential((7, 3), layers.SimpleRNN(4, unroll=True)),
    "bidirectional": lambda: sequential(
        (7, 3), layers.Bidirectional(layers.LSTM(4, unroll=True), merge_mode="sum")
    ),
    "stacked": lambda: sequential(
        (6, 2),
        layers.GRU(5, return_sequences=True, unroll=True),
        layers.SimpleRNN(3, unroll=True),
    ),
    "rnn-of-cell": lambda: sequential((6, 2), layers.RNN(layers.LSTMCell(5), unroll=True)),
    "conv-lstm": lambda: sequential((7, 5, 3), layers.ConvLSTM1D(3, 2, unroll=True)),
    "dense-on-sequences": lambda: sequential((6, 4), layers.Dense(3)),
    "dense-on-images": lambda: sequential((3, 5, 4), layers.Dense(2, use_bias=False)),
    "time-distributed": lambda: sequential((6, 5), layers.TimeDistributed(layers.Dense(3))),
    "conv1d": lambda: sequential((11, 4), layers.Conv1D(6, 3, strides=2, groups=2)),
    "conv2d-same": lambda: sequential((9, 8, 4), layers.Conv2D(8, 3, padding="same", strides=2)),
    "conv2d-dilated": lambda: sequential((9, 8, 4), layers.Conv2D(6, (3, 2), dilation_rate=2)),
    "conv3d": lambda: sequential((4, 5, 6, 2), layers.Conv3D(4, 2, groups=2)),
    "depthwise": lambda: sequential((9, 8, 3), layers.DepthwiseConv2D(3, depth_multiplier=2)),
    "separable": lambda: sequential((9, 8, 3), layers.SeparableConv2D(5, 3, padding="same")),
    "conv-transpose": lambda: sequential((5, 5, 3), layers.Conv2DTranspose(4, 3, strides=2)),
    "embedding-norm-dropout-dense": lambda: sequential(
        (6,),
        layers.Embedding(10, 4),
        layers.LayerNormalization(),
        layers.Dropout(0.5),
        layers.GlobalAveragePooling1D(),
        layers.Dense(2),
        dtype="int32",
    ),
    "einsum-dense": lambda: sequential(
        (6, 4), layers.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d")
    ),
    "attention-dot": lambda: dot_attention_model(layers.Attention(), 5, 7, 6),
    "attention-concat": lambda: dot_attention_model(
        layers.Attention(score_mode="concat", use_scale=True), 5, 7, 6
    ),
    "additive-attention": lambda: dot_attention_model(layers.AdditiveAttention(), 5, 7, 6),
    "multi-head-attention": lambda: attention_model(
        layers.MultiHeadAttention(num_heads=2, key_dim=4), 10, 12, features=16
    ),
    "multi-head-attention-gate": lambda: attention_model(
        layers.MultiHeadAttention(num_heads=2, key_dim=3, use_gate=True), 4, 6, features=8
    ),
    "grouped-query-attention": lambda: attention_model(
        layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2),
        5,
        6,
        features=8,
    ),
    "multi-head-attention-value-dim": lambda: attention_model(
        layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=2, output_shape=5),
        6,
        4,
        features=8,
    ),
}


class TestAgainstKerasOnPyTorch:
    @pytest.mark.parametrize("name", list(MODELS))
    def test_per_sample_the_products_keras_runs(self, name):
        """Every layer family lstmdoc derives: its total for one sample is what Keras computes."""
        model = MODELS[name]()
        report = lstmdoc.explain(model)
        assert report.mult_adds is not None
        assert report.mult_adds == measured(model, zeros(model))

    def test_the_issues_lstm(self):
        """LSTM(20) on 20 steps of 1 feature: 20 × 4 × 20 × (1 + 20) = 33,600, as Keras runs it."""
        model = MODELS["lstm"]()
        row = lstmdoc.explain(model).rows[0]
        assert row.mult_adds == 20 * 4 * 20 * (1 + 20) == measured(model, zeros(model))
        assert row.mult_adds_formula == "20 × 4 × 20 × (1 + 20)"
        assert row.mult_adds_per is None

    @pytest.mark.parametrize("layer", [layers.LSTM, layers.GRU, layers.SimpleRNN])
    def test_an_open_time_axis_gives_a_figure_per_step(self, layer):
        """Built on (None, 3), a layer's figure is per time step: what 5 steps run, divided by 5."""
        model = sequential((None, 3), layer(4))
        report = lstmdoc.explain(model)
        row = report.rows[0]
        assert row.mult_adds_per == "time step"
        # The loop's extra first step runs on any length: measure 6 and 5 steps apart.
        steps_6, steps_5 = (measured(model, zeros(model, steps)) for steps in (6, 5))
        assert row.mult_adds == steps_6 - steps_5
        assert report.mult_adds == row.mult_adds
        assert report.to_dict()["mult_adds_per"] == "time step"
