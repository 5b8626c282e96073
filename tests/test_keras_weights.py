"""Tests for lstmdoc.keras_weights: every rule is held against the real Keras layer it describes."""

from __future__ import annotations

import inspect
import shutil
import warnings
from typing import Any

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import layers

import lstmdoc
from lstmdoc import keras_weights
from tests._formulas import evaluate
from tests._keras_models import assert_matches_keras, known, model_of, size

SIZES = st.integers(min_value=1, max_value=12)
SMALL = st.integers(min_value=1, max_value=5)
SWEEP = settings(max_examples=12, deadline=None)

# --- every class in keras.layers -------------------------------------------------------------


def _attention_call(layer, inputs):
    return layer(inputs)


# A built example of every Keras layer that can own weights, in a configuration that
# makes it own them: (layer factory, input shapes, how to call it, input dtype).
WEIGHTED: dict[str, tuple[Any, ...]] = {
    "AdditiveAttention": (layers.AdditiveAttention, [(5, 6), (7, 6)], _attention_call),
    "Attention": (
        lambda: layers.Attention(use_scale=True, score_mode="concat"),
        [(5, 6), (7, 6)],
        _attention_call,
    ),
    "BatchNormalization": (layers.BatchNormalization, [(4, 3)]),
    "Bidirectional": (
        lambda: layers.Bidirectional(
            layers.LSTM(3, return_sequences=True),
            backward_layer=layers.GRU(3, return_sequences=True, go_backwards=True),
        ),
        [(5, 2)],
    ),
    "Conv1D": (lambda: layers.Conv1D(4, 3, groups=2), [(8, 4)]),
    "Conv2D": (lambda: layers.Conv2D(4, 3), [(8, 8, 2)]),
    "Conv3D": (lambda: layers.Conv3D(2, 2), [(4, 4, 4, 2)]),
    "Conv1DTranspose": (lambda: layers.Conv1DTranspose(3, 2), [(6, 2)]),
    "Conv2DTranspose": (lambda: layers.Conv2DTranspose(3, 2), [(6, 6, 2)]),
    "Conv3DTranspose": (lambda: layers.Conv3DTranspose(3, 2), [(4, 4, 4, 2)]),
    "ConvLSTM1D": (lambda: layers.ConvLSTM1D(2, 3), [(3, 8, 2)]),
    "ConvLSTM2D": (lambda: layers.ConvLSTM2D(2, 3), [(3, 6, 6, 2)]),
    "ConvLSTM3D": (lambda: layers.ConvLSTM3D(2, 2), [(2, 4, 4, 4, 1)]),
    "Dense": (lambda: layers.Dense(3), [(4,)]),
    "DepthwiseConv1D": (lambda: layers.DepthwiseConv1D(3, depth_multiplier=2), [(8, 3)]),
    "DepthwiseConv2D": (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2), [(6, 6, 3)]),
    "EinsumDense": (
        lambda: layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 2), bias_axes="de"),
        [(5, 3)],
    ),
    "Embedding": (lambda: layers.Embedding(50, 4), [(3,)], None, "int32"),
    "GRU": (lambda: layers.GRU(3), [(5, 2)]),
    "GRUCell": (lambda: layers.RNN(layers.GRUCell(3)), [(5, 2)]),
    "GroupNormalization": (lambda: layers.GroupNormalization(groups=2), [(5, 4)]),
    "GroupedQueryAttention": (
        lambda: layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2),
        [(5, 8), (6, 8)],
    ),
    "LSTM": (lambda: layers.LSTM(3), [(5, 2)]),
    "LSTMCell": (lambda: layers.RNN(layers.LSTMCell(3)), [(5, 2)]),
    "LayerNormalization": (layers.LayerNormalization, [(4, 3)]),
    "MultiHeadAttention": (lambda: layers.MultiHeadAttention(2, 4), [(5, 6), (7, 3)]),
    "Normalization": (layers.Normalization, [(4, 3)]),
    "PReLU": (lambda: layers.PReLU(shared_axes=[1]), [(4, 3)]),
    "Pipeline": (lambda: layers.Pipeline([layers.Normalization(), layers.Dense(2)]), [(4,)]),
    "RMSNormalization": (layers.RMSNormalization, [(4, 3)]),
    "RNN": (lambda: layers.RNN([layers.SimpleRNNCell(2), layers.GRUCell(3)]), [(5, 2)]),
    "ReversibleEmbedding": (
        lambda: layers.ReversibleEmbedding(50, 4, tie_weights=False),
        [(3,)],
        None,
        "int32",
    ),
    "STFTSpectrogram": (lambda: layers.STFTSpectrogram(frame_length=6, window=None), [(40, 1)]),
    "SeparableConv1D": (lambda: layers.SeparableConv1D(4, 3), [(8, 3)]),
    "SeparableConv2D": (lambda: layers.SeparableConv2D(4, 3, depth_multiplier=2), [(6, 6, 3)]),
    "SimpleRNN": (lambda: layers.SimpleRNN(3), [(5, 2)]),
    "SimpleRNNCell": (lambda: layers.RNN(layers.SimpleRNNCell(3)), [(5, 2)]),
    "SpectralNormalization": (lambda: layers.SpectralNormalization(layers.Dense(3)), [(4,)]),
    "StackedRNNCells": (
        lambda: layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(2)])),
        [(5, 2)],
    ),
    "TimeDistributed": (lambda: layers.TimeDistributed(layers.Dense(3)), [(5, 4)]),
}

# Classes whose weights come from outside their configuration: another framework's
# code, which Keras' TensorFlow backend cannot run, or a SavedModel on disk.
OTHER_BACKENDS = {"JaxLayer", "FlaxLayer", "TorchModuleWrapper"}

# Constructor arguments of the weightless classes that need some.
ARGUMENTS = {
    "Activation": ("relu",),
    "AlphaDropout": (0.1,),
    "CategoryEncoding": (4,),
    "CenterCrop": (2, 2),
    "Discretization": ([0.5],),
    "Dot": (1,),
    "Dropout": (0.5,),
    "GaussianDropout": (0.1,),
    "GaussianNoise": (0.1,),
    "HashedCrossing": (4,),
    "Hashing": (4,),
    "Lambda": (lambda x: x,),
    "MaxNumBoundingBoxes": (2,),
    "Permute": ((1,),),
    "RandomBrightness": (0.1,),
    "RandomColorDegeneration": (0.1,),
    "RandomContrast": (0.1,),
    "RandomCrop": (2, 2),
    "RandomHue": (0.1,),
    "RandomPosterization": (4,),
    "RandomRotation": (0.1,),
    "RandomSaturation": (0.1,),
    "RandomSharpness": (0.1,),
    "RandomTranslation": (0.1, 0.1),
    "RandomZoom": (0.1,),
    "RepeatVector": (2,),
    "Rescaling": (0.5,),
    "Reshape": ((-1,),),
    "Resizing": (2, 2),
    **{f"SpatialDropout{rank}D": (0.1,) for rank in (1, 2, 3)},
    **{f"AdaptiveAveragePooling{rank}D": (2,) for rank in (1, 2, 3)},
    **{f"AdaptiveMaxPooling{rank}D": (2,) for rank in (1, 2, 3)},
    **{f"AveragePooling{rank}D": (2,) for rank in (1, 2, 3)},
    **{f"MaxPooling{rank}D": (2,) for rank in (1, 2, 3)},
}
MERGES = {"Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract"}


def keras_layer_classes() -> dict[str, type]:
    """Every layer class keras.layers exports, by its class name (aliases once)."""
    classes = {}
    for name in dir(layers):
        value = getattr(layers, name)
        if inspect.isclass(value) and issubclass(value, layers.Layer):
            classes[value.__name__] = value
    return classes


def build_weightless(cls: type) -> keras.layers.Layer:
    """Build a layer with no required weights: its arguments, and a shape it accepts."""
    if cls.__name__ == "InputLayer":
        return layers.InputLayer(shape=(3,))
    layer = cls(*ARGUMENTS.get(cls.__name__, ()))
    candidates = (
        [[(None, 3), (None, 3)]]
        if cls.__name__ in MERGES
        else [(None, 8, 8, 8, 3), (None, 8, 8, 3), (None, 8, 3), (None, 3)]
    )
    for shape in candidates:
        try:
            layer.build(shape)
        except (ValueError, TypeError, IndexError):
            layer = cls(*ARGUMENTS.get(cls.__name__, ()))
            continue
        return layer
    raise AssertionError(f"no example builds {cls.__name__}: add one to this test")


class TestEveryKerasLayer:
    @pytest.mark.parametrize("name", sorted(keras_layer_classes()))
    def test_each_class_is_derived_or_known_to_own_no_weights(self, name):
        """Each keras.layers class with weights has a rule that matches Keras; the rest own none."""
        if name in OTHER_BACKENDS:
            assert name in keras_weights.EXTERNAL_WEIGHTS
            return
        if name in {"TFSMLayer", "Wrapper"}:
            return  # built in tests of their own below: a SavedModel, a layer with no call
        if name in WEIGHTED:
            factory, shapes, *rest = WEIGHTED[name]
            call, dtype = [*rest, None, None][:2]
            model = model_of(factory(), *shapes, call=call, dtype=dtype)
            assert model.count_params() > 0
            assert name in keras_weights.LAYER_RULES
            assert_matches_keras(lstmdoc.explain(model), model)
            return
        layer = build_weightless(keras_layer_classes()[name])
        assert layer.weights == [], f"{name} owns weights: add a rule and an example"
        assert name in keras_weights.WEIGHTLESS, f"{name} owns no weights: list it as weightless"

    def test_every_rule_has_a_weighted_example(self):
        """No rule goes untested: each names a keras.layers class built above with weights."""
        assert set(keras_weights.LAYER_RULES) - {"Wrapper"} == set(WEIGHTED)
        classes = keras_layer_classes()
        assert set(keras_weights.LAYER_RULES) <= set(classes)
        assert set(keras_weights.WEIGHTLESS) <= set(classes)
        assert set(keras_weights.EXTERNAL_WEIGHTS) <= set(classes)

    def test_the_base_wrapper_explains_its_layer(self):
        """keras.layers.Wrapper, which has no call of its own, is derived from the layer it wraps."""
        wrapper = layers.Wrapper(layers.Dense(3))
        wrapper.build((None, 4))
        report = lstmdoc.explain(wrapper)
        assert [row.layer for row in report.rows] == ["Wrapper(Dense)", "Dense"]
        assert report.rows[0].params == wrapper.count_params() == 15
        assert report.agrees

    def test_a_savedmodel_layer_is_listed_with_keras_count(self, tmp_path):
        """TFSMLayer's weights live in a SavedModel: listed, not derived, with Keras' count."""
        exported = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TensorFlow's export warnings, not ours
            exported.export(tmp_path / "saved", verbose=False)
            layer = layers.TFSMLayer(tmp_path / "saved", call_endpoint="serve")
        model = keras.Sequential([keras.Input(shape=(3,)), layer])
        row = lstmdoc.explain(model).rows[0]
        assert row.framework_params == layer.count_params() == 8
        assert (row.params, row.derived, row.check) == (None, False, "not derived")
        assert "SavedModel" in str(row.note)
        shutil.rmtree(tmp_path / "saved")


# --- the rules, one by one --------------------------------------------------------------------


def explained(layer, *shapes, call=None, dtype=None):
    """Explain a model calling ``layer`` and check every row against Keras; return the rows."""
    model = model_of(layer, *shapes, call=call, dtype=dtype)
    report = lstmdoc.explain(model)
    assert_matches_keras(report, model)
    return report.rows


class TestDenseAndEmbedding:
    @SWEEP
    @given(units=SIZES, features=SIZES, leading=st.lists(SMALL, max_size=2), bias=st.booleans())
    def test_dense_on_any_rank(self, units, features, leading, bias):
        """Dense counts units × (features + 1) on inputs of rank 2, 3 or 4."""
        (row,) = explained(layers.Dense(units, use_bias=bias), (*leading, features))
        assert row.layer == "Dense"
        assert row.formula == (f"{units} × ({features} + 1)" if bias else f"{units} × {features}")

    @SWEEP
    @given(input_dim=st.integers(1, 5000), output_dim=SIZES)
    def test_embedding(self, input_dim, output_dim):
        """Embedding counts input_dim × output_dim."""
        (row,) = explained(layers.Embedding(input_dim, output_dim), (7,), dtype="int32")
        assert row.formula == f"{input_dim} × {output_dim}"

    @pytest.mark.parametrize("tie_weights", [True, False])
    def test_reversible_embedding(self, tie_weights):
        """ReversibleEmbedding adds an output projection only when its weights are not tied."""
        layer = layers.ReversibleEmbedding(40, 6, tie_weights=tie_weights)
        (row,) = explained(layer, (3,), dtype="int32")
        assert row.formula == ("40 × 6" if tie_weights else "2 × 40 × 6")

    @pytest.mark.parametrize("kind", ["Dense", "Embedding", "EinsumDense", "Conv1D"])
    def test_lora_adds_two_factors_and_freezes_the_kernel(self, kind):
        """LoRA adds rank × (rows + columns) trainable values; the kernel stops training."""
        layer, shape, dtype = {
            "Dense": (layers.Dense(7, lora_rank=2), (5,), None),
            "Embedding": (layers.Embedding(50, 7, lora_rank=2), (3,), "int32"),
            "EinsumDense": (layers.EinsumDense("ab,bc->ac", 7, lora_rank=2), (5,), None),
            "Conv1D": (layers.Conv1D(7, 3, lora_rank=2), (9, 5), None),
        }[kind]
        (row,) = explained(layer, shape, dtype=dtype)
        assert row.non_trainable_params > 0
        assert "2 × (" in row.formula

    def test_lora_enabled_after_building(self):
        """enable_lora on a built layer shows in its config, and so in the derivation."""
        model = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(7)])
        model.layers[0].enable_lora(3)
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        assert report.rows[0].formula == "7 × (5 + 1) + 3 × (5 + 7)"

    @SWEEP
    @given(
        data=st.data(),
        left=st.sampled_from(["", "..."]),
        bias=st.booleans(),
    )
    def test_einsum_dense_any_equation(self, data, left, bias):
        """EinsumDense's kernel and bias follow its equation, with or without an ellipsis."""
        free = data.draw(st.integers(0, 2))  # input axes kept in the output
        contracted = data.draw(st.integers(1, 2))
        produced = data.draw(st.integers(1, 2))
        letters = "bcdefgh"
        kept = letters[:free]
        summed = letters[free : free + contracted]
        made = letters[free + contracted : free + contracted + produced]
        batch = "" if left else "a"
        equation = f"{left}{batch}{kept}{summed},{summed}{made}->{left}{batch}{kept}{made}"
        sizes = data.draw(st.lists(SMALL, min_size=free + contracted, max_size=free + contracted))
        extra = data.draw(st.lists(SMALL, max_size=1)) if left else []
        outputs = data.draw(st.lists(SMALL, min_size=produced, max_size=produced))
        output_shape = [*[None] * free, *outputs]  # without the batch axis and the ellipsis
        bias_axes = made if bias else None
        layer = layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes)
        explained(layer, (*extra, *sizes))


class TestConvolutions:
    @SWEEP
    @given(
        rank=st.sampled_from([1, 2]),
        filters=SIZES,
        group_channels=SMALL,
        groups=st.sampled_from([1, 1, 2, 3]),
        kernel=st.lists(st.integers(1, 3), min_size=2, max_size=2),
        bias=st.booleans(),
        channels_first=st.booleans(),
    )
    def test_convolutions_with_groups(
        self, rank, filters, group_channels, groups, kernel, bias, channels_first
    ):
        """Conv1D and Conv2D count filters × (window × channels / groups + 1)."""
        channels = group_channels * groups
        layer = getattr(
            layers, f"Conv{rank}D"
        )(
            filters * groups,  # Keras needs filters divisible by groups
            tuple(kernel[:rank]),
            groups=groups,
            use_bias=bias,
            padding="same",
            data_format="channels_first" if channels_first else "channels_last",
        )
        space = (5,) * rank
        explained(layer, (channels, *space) if channels_first else (*space, channels))

    @pytest.mark.parametrize("rank", [1, 2, 3])
    @pytest.mark.parametrize("bias", [True, False])
    def test_transposed_convolutions(self, rank, bias):
        """Conv1DTranspose to Conv3DTranspose count like their convolutions."""
        layer = getattr(layers, f"Conv{rank}DTranspose")(4, 3, use_bias=bias)
        explained(layer, (*(5,) * rank, 3))

    @SWEEP
    @given(
        rank=st.sampled_from([1, 2]),
        multiplier=SMALL,
        channels=SMALL,
        kernel=st.integers(1, 3),
        bias=st.booleans(),
        channels_first=st.booleans(),
    )
    def test_depthwise_convolutions(self, rank, multiplier, channels, kernel, bias, channels_first):
        """DepthwiseConv1D/2D count channels × depth_multiplier × (window + 1)."""
        layer = getattr(layers, f"DepthwiseConv{rank}D")(
            kernel,
            depth_multiplier=multiplier,
            use_bias=bias,
            data_format="channels_first" if channels_first else "channels_last",
        )
        space = (6,) * rank
        explained(layer, (channels, *space) if channels_first else (*space, channels))

    @SWEEP
    @given(
        rank=st.sampled_from([1, 2]),
        filters=SIZES,
        multiplier=SMALL,
        channels=SMALL,
        bias=st.booleans(),
    )
    def test_separable_convolutions(self, rank, filters, multiplier, channels, bias):
        """SeparableConv1D/2D: a depthwise window per channel, then a pointwise projection."""
        layer = getattr(layers, f"SeparableConv{rank}D")(
            filters, 3, depth_multiplier=multiplier, use_bias=bias
        )
        explained(layer, (*(6,) * rank, channels))

    @SWEEP
    @given(
        rank=st.sampled_from([1, 2]),
        filters=st.integers(1, 8),
        channels=SMALL,
        kernel=st.lists(st.integers(1, 3), min_size=2, max_size=2),
        bias=st.booleans(),
        channels_first=st.booleans(),
    )
    def test_conv_lstm(self, rank, filters, channels, kernel, bias, channels_first):
        """ConvLSTM1D and ConvLSTM2D count 4 × filters × (window × (channels + filters) + 1)."""
        layer = getattr(layers, f"ConvLSTM{rank}D")(
            filters,
            tuple(kernel[:rank]),
            use_bias=bias,
            padding="same",
            data_format="channels_first" if channels_first else "channels_last",
        )
        space = (4,) * rank
        explained(layer, (3, channels, *space) if channels_first else (3, *space, channels))


CELLS = st.sampled_from(["LSTMCell", "GRUCell", "SimpleRNNCell"])


def cell_of(kind: str, units: int, bias: bool, reset_after: bool):
    options = {"reset_after": reset_after} if kind == "GRUCell" else {}
    return getattr(layers, kind)(units, use_bias=bias, **options)


class TestRecurrent:
    @SWEEP
    @given(
        kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]),
        units=SIZES,
        features=SIZES,
        bias=st.booleans(),
        reset_after=st.booleans(),
    )
    def test_recurrent_layers(self, kind, units, features, bias, reset_after):
        """LSTM, SimpleRNN and GRU, with either reset_after, match Keras' count."""
        options = {"reset_after": reset_after} if kind == "GRU" else {}
        (row,) = explained(getattr(layers, kind)(units, use_bias=bias, **options), (5, features))
        assert row.layer == kind

    @SWEEP
    @given(kind=CELLS, units=SIZES, features=SIZES, bias=st.booleans(), reset_after=st.booleans())
    def test_rnn_of_one_cell_shows_the_cell_beneath(self, kind, units, features, bias, reset_after):
        """RNN(LSTMCell(units)) counts what LSTM(units) counts, the cell on a row of its own."""
        layer = layers.RNN(cell_of(kind, units, bias, reset_after))
        rnn, cell = explained(layer, (5, features))
        assert rnn.layer == f"RNN({kind})"
        assert (cell.layer, cell.depth) == (kind, 1)
        assert rnn.formula == cell.formula

    def test_rnn_of_an_lstm_cell_is_an_lstm(self):
        """The Keras RNN guide's RNN(LSTMCell(20)) on one feature is the tutorial's 1,760."""
        rnn, cell = explained(layers.RNN(layers.LSTMCell(20)), (20, 1))
        assert rnn.params == cell.params == lstmdoc.lstm_param_count(20, 1) == 1760
        assert cell.formula == "4 × 20 × (1 + 20 + 1)"

    @SWEEP
    @given(
        kinds=st.lists(CELLS, min_size=1, max_size=3),
        units=st.lists(SIZES, min_size=3, max_size=3),
        features=SIZES,
        bias=st.booleans(),
        stacked=st.booleans(),
    )
    def test_stacked_cells(self, kinds, units, features, bias, stacked):
        """A list of cells or StackedRNNCells: each cell reads the one before's units."""
        cells = [cell_of(kind, size, bias, True) for kind, size in zip(kinds, units, strict=False)]
        layer = layers.RNN(layers.StackedRNNCells(cells) if stacked else cells)
        rows = explained(layer, (4, features))
        assert [row.layer for row in rows[2:]] == kinds
        assert [row.depth for row in rows] == [0, 1] + [2] * len(kinds)

    @SWEEP
    @given(
        kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]),
        units=SIZES,
        features=SIZES,
        merge_mode=st.sampled_from(["concat", "sum", "mul", "ave", None]),
    )
    def test_bidirectional_counts_both_directions(self, kind, units, features, merge_mode):
        """Bidirectional is forward plus backward, twice the wrapped count, whatever merge_mode."""
        layer = layers.Bidirectional(getattr(layers, kind)(units), merge_mode=merge_mode)
        bidirectional, forward, backward = explained(layer, (5, features))
        assert bidirectional.layer == f"Bidirectional({kind})"
        assert bidirectional.formula == f"2 × {forward.formula}"
        assert forward.formula == backward.formula
        assert (forward.depth, backward.depth) == (1, 1)

    def test_bidirectional_with_a_different_backward_layer(self):
        """A backward_layer configured unlike the forward one is counted on its own row."""
        layer = layers.Bidirectional(
            layers.LSTM(6), backward_layer=layers.LSTM(4, use_bias=False, go_backwards=True)
        )
        bidirectional, forward, backward = explained(layer, (5, 3))
        assert bidirectional.formula == "4 × 6 × (3 + 6 + 1) + 4 × 4 × (3 + 4)"
        assert (forward.params, backward.params) == (240, 112)

    def test_bidirectional_of_an_rnn_of_cells(self):
        """Wrappers nest: Bidirectional(RNN(LSTMCell)) shows each level one deeper."""
        layer = layers.Bidirectional(layers.RNN(layers.LSTMCell(4)))
        rows = explained(layer, (5, 3))
        assert [(row.layer, row.depth) for row in rows] == [
            ("Bidirectional(RNN)", 0),
            ("RNN(LSTMCell)", 1),
            ("LSTMCell", 2),
            ("RNN(LSTMCell)", 1),
            ("LSTMCell", 2),
        ]

    @SWEEP
    @given(units=SIZES, features=SIZES, timesteps=SMALL)
    def test_time_distributed_dense(self, units, features, timesteps):
        """TimeDistributed(Dense) counts one Dense: the time axis adds no weights."""
        wrapper, inner = explained(
            layers.TimeDistributed(layers.Dense(units)), (timesteps, features)
        )
        assert wrapper.layer == "TimeDistributed(Dense)"
        assert wrapper.formula == inner.formula == f"{units} × ({features} + 1)"

    def test_time_distributed_conv2d(self):
        """TimeDistributed(Conv2D) counts the Conv2D on one frame."""
        explained(layers.TimeDistributed(layers.Conv2D(5, 3)), (4, 9, 9, 2))


class TestAttention:
    @SWEEP
    @given(
        heads=SMALL,
        key_dim=SMALL,
        value_dim=st.one_of(st.none(), SMALL),
        widths=st.lists(SIZES, min_size=3, max_size=3),
        output=st.one_of(st.none(), SIZES, st.lists(SMALL, min_size=1, max_size=2)),
        bias=st.booleans(),
        gate=st.booleans(),
        separate_key=st.booleans(),
    )
    def test_multi_head_attention(
        self, heads, key_dim, value_dim, widths, output, bias, gate, separate_key
    ):
        """MultiHeadAttention: four (or, gated, five) EinsumDense projections beneath it."""
        query_width, value_width, key_width = widths
        layer = layers.MultiHeadAttention(
            heads,
            key_dim,
            value_dim=value_dim,
            output_shape=output,
            use_bias=bias,
            use_gate=gate,
        )
        shapes = [(5, query_width), (6, value_width)] + ([(6, key_width)] if separate_key else [])
        rows = explained(layer, *shapes)
        names = ["query", "key", *(["gate"] if gate else []), "value", "attention_output"]
        assert [row.name.rsplit("/", 1)[-1] for row in rows[1:]] == names
        assert {row.layer for row in rows[1:]} == {"EinsumDense"}

    def test_multi_head_attention_term_by_term(self):
        """2 heads of key_dim 4 on 6 features: 2 × (4 × (6 + 6 + 2) + 4 × (6 + 6 + 1)) + 6."""
        (attention, *projections) = explained(layers.MultiHeadAttention(2, 4), (5, 6), (5, 6))
        assert attention.formula == "2 × (4 × (6 + 6 + 2) + 4 × (6 + 6 + 1)) + 6"
        assert [row.params for row in projections] == [56, 56, 56, 54]
        assert attention.params == 222

    @SWEEP
    @given(
        head_dim=SMALL,
        kv_heads=SMALL,
        groups=st.integers(1, 3),
        width=SIZES,
        bias=st.booleans(),
        gate=st.booleans(),
    )
    def test_grouped_query_attention(self, head_dim, kv_heads, groups, width, bias, gate):
        """GroupQueryAttention: fewer key-value heads than query heads, each projected."""
        layer = layers.GroupQueryAttention(
            head_dim=head_dim,
            num_query_heads=kv_heads * groups,
            num_key_value_heads=kv_heads,
            use_bias=bias,
            use_gate=gate,
        )
        explained(layer, (5, width), (6, width))  # Keras needs query and value equally wide

    @pytest.mark.parametrize("use_scale", [True, False])
    @pytest.mark.parametrize("score_mode", ["dot", "concat"])
    def test_attention_scalars(self, use_scale, score_mode):
        """Attention owns a scalar scale with use_scale and another with score_mode='concat'."""
        layer = layers.Attention(use_scale=use_scale, score_mode=score_mode)
        model = model_of(layer, (5, 6), (7, 6), call=lambda layer, inputs: layer(inputs))
        report = lstmdoc.explain(model)
        expected = int(use_scale) + int(score_mode == "concat")
        assert report.derived_params == model.count_params() == expected
        assert len(report.rows) == (1 if expected else 0)

    @pytest.mark.parametrize("use_scale", [True, False])
    def test_additive_attention(self, use_scale):
        """AdditiveAttention's scale is one value per feature of the query."""
        layer = layers.AdditiveAttention(use_scale=use_scale)
        model = model_of(layer, (5, 6), (7, 6), call=lambda layer, inputs: layer(inputs))
        report = lstmdoc.explain(model)
        assert report.derived_params == model.count_params() == (6 if use_scale else 0)


class TestNormalization:
    @SWEEP
    @given(
        sizes=st.lists(SIZES, min_size=1, max_size=3),
        two_axes=st.booleans(),
        center=st.booleans(),
        scale=st.booleans(),
    )
    def test_layer_normalization(self, sizes, two_axes, center, scale):
        """LayerNormalization counts gamma and beta over the normalised axes."""
        axis = [-2, -1] if two_axes and len(sizes) >= 2 else -1
        layer = layers.LayerNormalization(axis=axis, center=center, scale=scale or not center)
        explained(layer, tuple(sizes))

    @pytest.mark.parametrize("center", [True, False])
    def test_layer_normalization_with_rms_scaling_has_gamma_only(self, center):
        """The deprecated rms_scaling=True keeps gamma and drops beta, even with center."""
        with pytest.warns(UserWarning, match="rms_scaling"):
            layer = layers.LayerNormalization(center=center, rms_scaling=True)
        (row,) = explained(layer, (4, 6))
        assert row.formula == "1 × 6"

    @SWEEP
    @given(
        channels=SIZES,
        leading=st.lists(SMALL, max_size=2),
        center=st.booleans(),
        scale=st.booleans(),
        renorm=st.booleans(),
        channels_first=st.booleans(),
        frozen=st.booleans(),
    )
    def test_batch_normalization(
        self, channels, leading, center, scale, renorm, channels_first, frozen
    ):
        """BatchNormalization: gamma and beta trainable unless frozen, the statistics never."""
        axis = 1 if channels_first else -1
        shape = (channels, *leading) if channels_first else (*leading, channels)
        layer = layers.BatchNormalization(axis=axis, center=center, scale=scale, renorm=renorm)
        layer.trainable = not frozen
        (row,) = explained(layer, shape)
        learned = (int(center) + int(scale)) * channels
        assert row.trainable_params == (0 if frozen else learned)
        assert row.non_trainable_params == (2 + 3 * int(renorm)) * channels + (
            learned if frozen else 0
        )

    def test_batch_normalization_shows_two_trainable_and_two_statistics(self):
        """BatchNormalization on 64 channels reads 2 × 64 + 2 × 64: 128 trainable, 128 not."""
        (row,) = explained(layers.BatchNormalization(), (10, 64))
        assert row.formula == "2 × 64 + 2 × 64"
        assert (row.trainable_params, row.non_trainable_params) == (128, 128)
        assert [weight.name for weight in row.weights] == [
            "gamma",
            "beta",
            "moving_mean",
            "moving_variance",
        ]

    @SWEEP
    @given(group_size=SMALL, groups=SMALL, center=st.booleans(), scale=st.booleans())
    def test_group_normalization(self, group_size, groups, center, scale):
        """GroupNormalization: gamma and beta per channel, whatever the number of groups."""
        layer = layers.GroupNormalization(groups=groups, center=center, scale=scale or not center)
        explained(layer, (5, group_size * groups))

    @SWEEP
    @given(sizes=st.lists(SIZES, min_size=1, max_size=3), two_axes=st.booleans())
    def test_rms_normalization(self, sizes, two_axes):
        """RMSNormalization: one scale over the normalised axes."""
        axis = [-2, -1] if two_axes and len(sizes) >= 2 else -1
        explained(layers.RMSNormalization(axis=axis), tuple(sizes))

    @SWEEP
    @given(sizes=st.lists(SIZES, min_size=1, max_size=3), axes=st.sampled_from([-1, None, (1, -1)]))
    def test_normalization_statistics_are_not_trainable(self, sizes, axes):
        """Normalization keeps a mean and a variance per kept axis, and a count: none trainable."""
        if axes == (1, -1) and len(sizes) < 2:
            axes = -1
        (row,) = explained(layers.Normalization(axis=axes), tuple(sizes))
        assert row.trainable_params == 0
        assert [weight.name for weight in row.weights] == ["mean", "variance", "count"]

    def test_normalization_with_a_given_mean_has_no_weights(self):
        """With mean and variance given, Normalization holds constants, not weights."""
        model = model_of(layers.Normalization(mean=2.0, variance=4.0), (3,))
        report = lstmdoc.explain(model)
        assert model.count_params() == report.derived_params == 0

    @pytest.mark.parametrize("wrapped", ["Dense", "Conv2D", "Embedding"])
    def test_spectral_normalization_keeps_a_vector(self, wrapped):
        """SpectralNormalization adds a non-trainable vector as long as the kernel's last axis."""
        inner, shape, dtype = {
            "Dense": (layers.Dense(5), (4,), None),
            "Conv2D": (layers.Conv2D(5, 3), (6, 6, 2), None),
            "Embedding": (layers.Embedding(30, 5), (3,), "int32"),
        }[wrapped]
        outer, inner_row = explained(layers.SpectralNormalization(inner), shape, dtype=dtype)
        assert outer.non_trainable_params == 5
        assert outer.formula == f"{inner_row.formula} + 5"

    @SWEEP
    @given(sizes=st.lists(SMALL, min_size=1, max_size=3), data=st.data())
    def test_prelu_shared_axes(self, sizes, data):
        """PReLU learns one alpha per input value, shared along shared_axes."""
        shared = data.draw(st.lists(st.integers(1, len(sizes)), unique=True, max_size=len(sizes)))
        explained(layers.PReLU(shared_axes=shared or None), tuple(sizes))

    @pytest.mark.parametrize("mode", ["log", "real", "imag", "magnitude"])
    def test_stft_spectrogram(self, mode):
        """STFTSpectrogram's kernels are frame_length × (fft_length / 2 + 1) each."""
        layer = layers.STFTSpectrogram(mode=mode, frame_length=6, window=None)
        (row,) = explained(layer, (40, 1))
        assert row.formula == f"{1 if mode in ('real', 'imag') else 2} × 6 × 5"


class TestWhatIsNotDerived:
    def test_a_frozen_model_counts_everything_as_non_trainable(self):
        """trainable=False on a nested model freezes every layer inside it, as in Keras."""
        inner = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3), layers.Dense(2)])
        inner.trainable = False
        model = keras.Sequential([keras.Input(shape=(4,)), inner, layers.Dense(1)])
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        assert report.rows[0].trainable_params == 0

    def test_quantized_weights_are_listed_not_derived(self):
        """A quantized Dense keeps int8 weights and scales: listed with Keras' count, not derived."""
        model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(4)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns that quantization is experimental
            model.quantize("int8")
        (row,) = lstmdoc.explain(model).rows
        assert (row.params, row.check) == (None, "not derived")
        assert row.framework_params == model.count_params()
        assert "quantized (int8)" in str(row.note)


class TestEinsumDenseShapes:
    @pytest.mark.parametrize(
        ("equation", "bias_axes", "input_shape", "output_shape"),
        [
            ("ab,bc->ac", "c", (None, 4), 3),
            ("abc,cd->abd", "d", (None, 5, 4), (None, 3)),
            ("abc,cde->abde", "de", (None, 5, 4), (None, 2, 3)),
            ("...b,bc->...c", "c", (None, 7, 5, 4), 3),
            ("abc,cd->abd", None, (None, 5, 4), (5, 3)),
            ("ab...,bc->ac...", "c", (None, 4, 5), (3, 5)),
        ],
    )
    def test_shapes_are_keras_shapes(self, equation, bias_axes, input_shape, output_shape):
        """The kernel and bias shapes are those Keras' own EinsumDense creates."""
        layer = layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes)
        layer.build(input_shape)
        kernel, bias = keras_weights.einsum_dense_shapes(
            equation, bias_axes, input_shape, output_shape
        )
        assert kernel == tuple(layer.kernel.shape)
        assert bias == (None if layer.bias is None else tuple(layer.bias.shape))

    def test_an_unsupported_equation_is_refused(self):
        """An equation EinsumDense cannot take raises ValueError naming it."""
        with pytest.raises(ValueError, match="unsupported einsum equation 'a,b,c->d'"):
            keras_weights.einsum_dense_shapes("a,b,c->d", None, (None, 3), 2)


# --- optimizers ---------------------------------------------------------------------------------


OPTIMIZERS = {
    "Adam": keras.optimizers.Adam,
    "Adam amsgrad": lambda: keras.optimizers.Adam(amsgrad=True),
    "Adam schedule": lambda: keras.optimizers.Adam(
        keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    ),
    "Adam ema": lambda: keras.optimizers.Adam(use_ema=True),
    "Adam accumulation": lambda: keras.optimizers.Adam(gradient_accumulation_steps=2),
    "AdamW": keras.optimizers.AdamW,
    "Adamax": keras.optimizers.Adamax,
    "Nadam": keras.optimizers.Nadam,
    "SGD": keras.optimizers.SGD,
    "SGD momentum": lambda: keras.optimizers.SGD(momentum=0.9),
    "RMSprop": keras.optimizers.RMSprop,
    "RMSprop centered momentum": lambda: keras.optimizers.RMSprop(momentum=0.5, centered=True),
    "Adagrad": keras.optimizers.Adagrad,
    "Adadelta": keras.optimizers.Adadelta,
    "Ftrl": keras.optimizers.Ftrl,
    "Lion": keras.optimizers.Lion,
    "Lamb": keras.optimizers.Lamb,
    "LossScaleOptimizer": lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam()),
}


def compiled_model(optimizer) -> keras.Model:
    """A model with trainable and non-trainable weights, its optimizer built."""
    model = keras.Sequential(
        [keras.Input(shape=(3,)), layers.Dense(4), layers.BatchNormalization(), layers.Dense(1)]
    )
    model.compile(optimizer=optimizer, loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


class TestOptimizers:
    @pytest.mark.parametrize("name", sorted(OPTIMIZERS))
    def test_optimizer_params_are_keras_optimizer_params(self, name):
        """Each optimizer's variables are derived from its config and the trainable count."""
        model = compiled_model(OPTIMIZERS[name]())
        optimizer = lstmdoc.explain(model).optimizer
        assert optimizer is not None
        assert optimizer.framework_params == size(model.optimizer.variables)
        assert optimizer.params == optimizer.framework_params, optimizer
        assert evaluate(str(optimizer.formula)) == optimizer.params
        assert optimizer.check == "ok"

    def test_adam_is_two_slots_per_trainable_parameter_and_two_counters(self):
        """Adam's 'Optimizer params' are 2 × trainable + 2 (iteration and learning_rate)."""
        model = compiled_model("adam")
        report = lstmdoc.explain(model)
        optimizer = report.optimizer
        assert optimizer is not None
        assert optimizer.formula == f"2 × {report.trainable_params} + 2"
        assert "(momentum, velocity)" in optimizer.explanation
        assert "(iteration, learning_rate)" in optimizer.explanation

    def test_keras_summary_prints_the_same_optimizer_count(self):
        """model.summary()'s "Optimizer params" line shows the count lstmdoc derives."""
        model = compiled_model("adam")
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)
        lines = []
        model.summary(print_fn=lambda line, *_args, **_kwargs: lines.append(line))
        summary = "\n".join(lines)
        optimizer = lstmdoc.explain(model).optimizer
        assert optimizer is not None
        params = known(optimizer.params)
        assert f"Optimizer params: {params:,}" in summary.replace("\x1b[1m", "").replace(
            "\x1b[0m", ""
        )

    def test_an_unbuilt_optimizer_is_not_reported(self):
        """A compiled model whose optimizer never built has no optimizer line, as in Keras."""
        model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        assert lstmdoc.explain(model).optimizer is None

    def test_an_optimizer_without_a_rule(self):
        """Adafactor's factored slots have no rule: listed with Keras' count, not derived."""
        model = compiled_model(keras.optimizers.Adafactor())
        optimizer = lstmdoc.explain(model).optimizer
        assert optimizer is not None
        assert (optimizer.params, optimizer.check) == (None, "not derived")
        assert optimizer.framework_params == size(model.optimizer.variables)


def test_rules_never_read_weights_or_counts():
    """The rules see only a spec: a dict with no layer in it, so no weight or count to read."""
    spec = {
        "class_name": "LSTM",
        "module": "keras.layers",
        "registered_name": None,
        "config": {"name": "lstm", "units": 20, "use_bias": True},
        "build_config": {"input_shape": [None, 20, 1]},
    }
    derivation = keras_weights.derive(spec)
    assert isinstance(derivation, keras_weights.Derivation)
    assert derivation.formula == "4 × 20 × (1 + 20 + 1)"
    assert [weight.shape for weight in derivation.weights] == [(1, 80), (20, 80), (80,)]
    assert sum(weight.count for weight in derivation.weights) == 1760
