"""Tests for lstmdoc.counting.families: every Keras family against the real Keras layer it describes.

PyTorch's families are held against real PyTorch in tests/pytorch/against_torch
(``nox -s torch``); here they are held against PyTorch's documented shapes.
"""

from __future__ import annotations

import json
import math
import warnings

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import layers

from lstmdoc import counting
from lstmdoc.counting import family
from tests._formulas import evaluate
from tests._torch_shapes import documented_shapes

SIZE = st.integers(min_value=1, max_value=9)
FLAG = st.booleans()
SWEEP = settings(max_examples=15, deadline=None)


def weights_of(layer: keras.layers.Layer) -> list[tuple[str, tuple[int, ...], bool]]:
    """Each weight of a built Keras layer: the last part of its path, shape, trainable."""
    return [
        (weight.path.split("/")[-1], tuple(weight.shape), bool(weight.trainable))
        for weight in layer.weights
    ]


def assert_is_keras(counted: counting.ParamBreakdown, layer: keras.layers.Layer) -> None:
    """The family's weights are the layer's, in order, and its formula adds up to the count."""
    assert [
        (w.name.split("/")[-1].split(" ")[-1], w.shape, w.trainable) for w in counted.weights
    ] == (weights_of(layer))
    assert counted.total == layer.count_params()
    assert counted.trainable == sum(math.prod(w.shape) for w in layer.trainable_weights)
    assert evaluate(counted.substituted) == counted.total


class TestKerasFamilies:
    @SWEEP
    @given(
        kind=st.sampled_from(["lstm", "gru", "simple-rnn"]),
        units=SIZE,
        features=SIZE,
        use_bias=FLAG,
        reset_after=FLAG,
        bidirectional=FLAG,
    )
    def test_recurrent(self, kind, units, features, use_bias, reset_after, bidirectional):
        """LSTM, GRU and SimpleRNN, with or without bias, alone or Bidirectional."""
        options = {"reset_after": reset_after} if kind == "gru" else {}
        cls = {"lstm": layers.LSTM, "gru": layers.GRU, "simple-rnn": layers.SimpleRNN}[kind]
        layer = cls(units, use_bias=use_bias, **options)
        if bidirectional:
            layer = layers.Bidirectional(layer)
        layer.build((None, 3, features))
        counted = counting.breakdown(
            kind,
            units=units,
            features=features,
            use_bias=use_bias,
            bidirectional=bidirectional,
            **options,
        )
        assert_is_keras(counted, layer)

    @SWEEP
    @given(units=SIZE, features=SIZE, use_bias=FLAG)
    def test_dense(self, units, features, use_bias):
        """Dense: kernel and bias."""
        layer = layers.Dense(units, use_bias=use_bias)
        layer.build((None, features))
        counted = counting.breakdown("dense", units=units, features=features, use_bias=use_bias)
        assert_is_keras(counted, layer)

    @SWEEP
    @given(
        rank=st.sampled_from([1, 2, 3]),
        groups=st.integers(1, 3),
        per_group=st.integers(1, 3),
        filters_per_group=st.integers(1, 3),
        window=st.lists(st.integers(1, 3), min_size=3, max_size=3),
        use_bias=FLAG,
    )
    def test_convolution(self, rank, groups, per_group, filters_per_group, window, use_bias):
        """Conv1D, 2D and 3D, with groups: the kernel sees channels / groups inputs."""
        channels, filters = groups * per_group, groups * filters_per_group
        cls = {1: layers.Conv1D, 2: layers.Conv2D, 3: layers.Conv3D}[rank]
        layer = cls(filters, window[:rank], groups=groups, use_bias=use_bias)
        layer.build((None, *(size + 2 for size in window[:rank]), channels))
        counted = counting.breakdown(
            f"conv{rank}d",
            filters=filters,
            kernel_size=window[:rank],
            channels=channels,
            groups=groups,
            use_bias=use_bias,
        )
        assert_is_keras(counted, layer)

    def test_embedding(self):
        """Embedding: one vector per row."""
        layer = layers.Embedding(50, 8)
        layer.build((None, 3))
        assert_is_keras(counting.breakdown("embedding", input_dim=50, output_dim=8), layer)

    @SWEEP
    @given(
        heads=SIZE,
        key_dim=SIZE,
        value_dim=SIZE,
        widths=st.lists(SIZE, min_size=4, max_size=4),
        use_bias=FLAG,
        use_gate=FLAG,
    )
    def test_multi_head_attention(self, heads, key_dim, value_dim, widths, use_bias, use_gate):
        """MultiHeadAttention: query, key, (gate,) value and output projections."""
        query_width, key_width, value_width, output_width = widths
        layer = layers.MultiHeadAttention(
            heads,
            key_dim,
            value_dim=value_dim,
            use_bias=use_bias,
            output_shape=output_width,
            use_gate=use_gate,
        )
        query, value, key = (
            keras.Input((4, query_width)),
            keras.Input((5, value_width)),
            keras.Input((5, key_width)),
        )
        layer(query, value, key)
        counted = counting.breakdown(
            "multi-head-attention",
            num_heads=heads,
            key_dim=key_dim,
            value_dim=value_dim,
            query_features=query_width,
            key_features=key_width,
            value_features=value_width,
            output_features=output_width,
            use_bias=use_bias,
            use_gate=use_gate,
        )
        assert_is_keras(counted, layer)

    @SWEEP
    @given(width=SIZE, center=FLAG, scale=FLAG, rms_scaling=FLAG)
    def test_layer_normalization(self, width, center, scale, rms_scaling):
        """LayerNormalization: gamma and beta, or gamma alone with rms_scaling."""
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # rms_scaling is deprecated in favour of RMSNormalization
            layer = layers.LayerNormalization(center=center, scale=scale, rms_scaling=rms_scaling)
        layer.build((None, 3, width))
        counted = counting.breakdown(
            "layer-normalization",
            shape=[width],
            center=center,
            scale=scale,
            rms_scaling=rms_scaling,
        )
        assert_is_keras(counted, layer)

    @SWEEP
    @given(channels=SIZE, center=FLAG, scale=FLAG, renorm=FLAG)
    def test_batch_normalization(self, channels, center, scale, renorm):
        """BatchNormalization: gamma and beta train; the moving statistics do not."""
        layer = layers.BatchNormalization(center=center, scale=scale, renorm=renorm)
        layer.build((None, channels))
        counted = counting.breakdown(
            "batch-normalization", channels=channels, center=center, scale=scale, renorm=renorm
        )
        assert_is_keras(counted, layer)


class TestTorchFamiliesAgainstTheDocumentation:
    @settings(max_examples=40, deadline=None)
    @given(
        mode=st.sampled_from(["lstm", "gru", "rnn"]),
        input_size=SIZE,
        hidden_size=st.integers(2, 9),
        num_layers=st.integers(1, 3),
        bias=FLAG,
        bidirectional=FLAG,
        projection=st.integers(0, 8),
    )
    def test_recurrent_shapes(
        self, mode, input_size, hidden_size, num_layers, bias, bidirectional, projection
    ):
        """torch-lstm, -gru and -rnn create the documented tensors, in PyTorch's order."""
        arguments = {"num_layers": num_layers, "bias": bias, "bidirectional": bidirectional}
        proj = projection % hidden_size if mode == "lstm" else 0
        counted = counting.breakdown(
            f"torch-{mode}",
            input_size=input_size,
            hidden_size=hidden_size,
            **arguments,
            **({"proj_size": proj} if mode == "lstm" else {}),
        )
        expected = documented_shapes(mode, input_size, hidden_size, proj_size=proj, **arguments)
        assert [(w.name, w.shape) for w in counted.weights] == list(expected.items())
        assert evaluate(counted.substituted) == counted.total


class TestEveryFamily:
    @pytest.mark.parametrize("key", sorted(counting.FAMILIES))
    def test_its_formula_adds_up_and_it_reaches_the_calculator_as_json(self, key):
        """With its smallest arguments, a family's formula evaluates to its total; it is plain JSON."""
        chosen = counting.FAMILIES[key]
        arguments = {
            argument.name: [3] * (argument.length or 1) if argument.kind == "sizes" else 4
            for argument in chosen.arguments
            if argument.default is None
        }
        counted = counting.breakdown(key, **arguments)
        assert counted.total > 0
        assert evaluate(counted.substituted) == counted.total
        assert all((counted.title, counted.call, counted.formula))
        data = family.to_json(chosen)
        assert json.loads(json.dumps(data)) == data

    def test_unknown_families_and_arguments_are_refused(self):
        """A family that does not exist, or an argument it does not take, is said so."""
        with pytest.raises(ValueError, match="family must be one of lstm, gru"):
            counting.breakdown("lstmm", units=1, features=1)
        with pytest.raises(TypeError, match="LSTM takes no argument 'hidden_size'"):
            counting.breakdown("lstm", units=1, features=1, hidden_size=3)
        with pytest.raises(TypeError, match="LSTM needs the argument 'features'"):
            counting.breakdown("lstm", units=1)
        with pytest.raises(ValueError, match=r"groups \(2\) must divide the channels \(3\)"):
            counting.breakdown("conv2d", filters=2, kernel_size=3, channels=3, groups=2)


class TestMultAdds:
    @pytest.mark.parametrize(
        ("key", "arguments", "expected", "substituted"),
        [
            # The LSTM: 20 steps × 4 gate blocks × 20 units × (1 feature + 20 units).
            ("lstm", {"units": 20, "features": 1, "steps": 20}, 33_600, "20 × 4 × 20 × (1 + 20)"),
            ("lstm", {"units": 20, "features": 1}, 1_680, "4 × 20 × (1 + 20)"),
            (
                "lstm",
                {"units": 3, "features": 2, "steps": 5, "bidirectional": True},
                2 * 5 * 4 * 3 * 5,
                "2 × 5 × 4 × 3 × (2 + 3)",
            ),
            ("gru", {"units": 4, "features": 3, "steps": 7}, 7 * 3 * 4 * 7, "7 × 3 × 4 × (3 + 4)"),
            ("simple-rnn", {"units": 4, "features": 3}, 28, "4 × (3 + 4)"),
            ("dense", {"units": 5, "features": 8, "positions": 7}, 280, "7 × 5 × 8"),
            (
                "conv2d",
                {"filters": 8, "kernel_size": [3, 3], "channels": 4, "groups": 2, "positions": 100},
                100 * 8 * 3 * 3 * 2,
                "100 × 8 × 3 × 3 × 2",
            ),
            (
                "multi-head-attention",
                {
                    "num_heads": 2,
                    "key_dim": 4,
                    "query_features": 16,
                    "query_length": 10,
                    "key_length": 12,
                },
                2 * (10 * 4 * 16 + 2 * 12 * 4 * 16 + 10 * 4 * 16 + 10 * 12 * (4 + 4)),
                None,
            ),
            ("embedding", {"input_dim": 10, "output_dim": 3}, 0, "0"),
            # Per layer and direction, each step: 4 × 8 × (inputs + 4) and the projection 4 × 8.
            (
                "torch-lstm",
                {
                    "input_size": 3,
                    "hidden_size": 8,
                    "num_layers": 2,
                    "bidirectional": True,
                    "proj_size": 4,
                    "steps": 5,
                },
                5 * (2 * (4 * 8 * (3 + 4) + 4 * 8) + 2 * (4 * 8 * (8 + 4) + 4 * 8)),
                None,
            ),
            (
                "torch-linear",
                {"in_features": 6, "out_features": 5, "positions": 3},
                90,
                "3 × 5 × 6",
            ),
        ],
    )
    def test_each_family_gives_the_hand_derived_figure(self, key, arguments, expected, substituted):
        """A family's mult-adds are the number derived by hand, and its formula evaluates to them."""
        counted = counting.breakdown(key, **arguments)
        assert counted.mult_adds == expected
        assert evaluate(counted.mult_adds_substituted) == expected
        if substituted is not None:
            assert counted.mult_adds_substituted == substituted
        assert counted.to_dict()["mult_adds"] == expected

    def test_the_cost_line_states_flops_as_twice_the_mult_adds(self):
        """The line lstmdoc count prints: what the figure is for, its formula, and the FLOPs."""
        counted = counting.breakdown("lstm", units=20, features=1, steps=20)
        assert counted.cost_line == (
            "Mult-adds for 20 time steps: 20 × 4 × 20 × (1 + 20) = 33,600 (67,200 FLOPs)"
        )
        assert counting.breakdown("embedding", input_dim=4, output_dim=2).cost_line == (
            "Mult-adds: 0 (a lookup: no products)"
        )

    def test_the_count_does_not_depend_on_the_steps(self):
        """Steps and positions change the mult-adds, never the parameter count."""
        one = counting.breakdown("lstm", units=20, features=1)
        many = counting.breakdown("lstm", units=20, features=1, steps=50)
        assert one.total == many.total == 1_760
        assert one.mult_adds is not None
        assert many.mult_adds == 50 * one.mult_adds
