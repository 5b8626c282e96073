"""Tests for lstmdoc.explaining: whole models, live and saved, held against real Keras."""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keras import layers

import lstmdoc
from tests._formulas import evaluate
from tests._keras_models import as_stored, assert_matches_keras, known, save, size

# --- custom layers, as the Keras guides write them -----------------------------------------


class TokenAndPositionEmbedding(layers.Layer):  # type: ignore[misc]
    """keras-io's token and position embedding: two Embedding layers, summed."""

    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.maxlen, self.vocab_size, self.embed_dim = maxlen, vocab_size, embed_dim
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        positions = keras.ops.arange(0, keras.ops.shape(x)[-1], 1)
        return self.token_emb(x) + self.pos_emb(positions)

    def get_config(self):
        return {
            **super().get_config(),
            "maxlen": self.maxlen,
            "vocab_size": self.vocab_size,
            "embed_dim": self.embed_dim,
        }


class TransformerBlock(layers.Layer):  # type: ignore[misc]
    """keras-io's transformer block: attention and a feed-forward network, each normalised."""

    def __init__(self, embed_dim, num_heads, ff_dim, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim, self.num_heads, self.ff_dim = embed_dim, num_heads, ff_dim
        self.att = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim, name="attention"
        )
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(0.1)
        self.dropout2 = layers.Dropout(0.1)

    def call(self, inputs):
        attention = self.dropout1(self.att(inputs, inputs))
        out1 = self.layernorm1(inputs + attention)
        return self.layernorm2(out1 + self.dropout2(self.ffn(out1)))

    def get_config(self):
        return {
            **super().get_config(),
            "embed_dim": self.embed_dim,
            "num_heads": self.num_heads,
            "ff_dim": self.ff_dim,
        }


class Residual(layers.Layer):  # type: ignore[misc]
    """A custom layer holding another custom layer: x + Dense(block(x))."""

    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        self.block = TransformerBlock(width, 1, width)
        self.projection = layers.Dense(width)

    def call(self, inputs):
        return inputs + self.projection(self.block(inputs))

    def get_config(self):
        return {**super().get_config(), "width": self.width}


class Scale(layers.Layer):  # type: ignore[misc]
    """A custom layer with a weight of its own, created with add_weight."""

    def build(self, input_shape):
        self.factor = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="factor")
        self.frozen = self.add_weight(shape=(2, 3), trainable=False, name="frozen")

    def call(self, inputs):
        return inputs * self.factor


class Dense(layers.Dense):  # type: ignore[misc]
    """A user's subclass that shares Keras' class name but adds a weight."""

    def build(self, input_shape):
        super().build(input_shape)
        self.extra = self.add_weight(shape=(5,), name="extra")


def tutorial_model() -> keras.Model:
    return keras.Sequential(
        [keras.Input(shape=(20, 1)), layers.LSTM(20, name="lstm"), layers.Dense(20, name="dense")],
        name="tutorial",
    )


def transformer_classifier() -> keras.Model:
    """keras-io's text classification with a transformer, smaller."""
    inputs = keras.Input(shape=(10,), dtype="int32")
    x = TokenAndPositionEmbedding(10, 100, 8, name="embedding")(inputs)
    x = TransformerBlock(8, 2, 16, name="transformer")(x)
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(2, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, outputs, name="transformer_classifier")


# --- whole models --------------------------------------------------------------------------


class TestModels:
    def test_tutorial_model(self):
        """The tutorial's LSTM(20) and Dense(20) explain as 1,760 + 420 = 2,180."""
        model = tutorial_model()
        report = lstmdoc.explain(model)
        assert [(row.name, row.layer, row.depth) for row in report.rows] == [
            ("lstm", "LSTM", 0),
            ("dense", "Dense", 0),
        ]
        assert report.rows[0].formula == "4 × 20 × (1 + 20 + 1)"
        assert [row.params for row in report.rows] == [1760, 420]
        assert_matches_keras(report, model)

    def test_nested_models_are_rows_with_their_layers_beneath(self):
        """A nested model is a row of depth 0; its layers follow at depth 1, named by path."""
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = layers.Embedding(100, 8, name="embed")(inputs)
        x = layers.Bidirectional(layers.LSTM(6, return_sequences=True, name="lstm"), name="bi")(x)
        x = layers.BatchNormalization(name="norm")(x)
        encoder = keras.Model(inputs, layers.GRU(4, name="gru")(x), name="encoder")
        model = keras.Sequential(
            [keras.Input(shape=(None,), dtype="int32"), encoder, layers.Dense(2, name="out")],
            name="classifier",
        )
        report = lstmdoc.explain(model)
        assert [(row.name, row.depth) for row in report.rows] == [
            ("encoder", 0),
            ("encoder/embed", 1),
            ("encoder/bi", 1),
            ("encoder/bi/forward_lstm", 2),
            ("encoder/bi/backward_lstm", 2),
            ("encoder/norm", 1),
            ("encoder/gru", 1),
            ("out", 0),
        ]
        assert report.rows[0].layer == "Functional"
        assert report.rows[0].basis == "sum"
        assert sum(known(row.params) for row in report.top_rows) == model.count_params()
        assert report.non_trainable_params == 2 * 12  # the BatchNormalization's statistics
        assert_matches_keras(report, model)

    def test_the_keras_io_transformer_classifier_is_fully_derived(self):
        """Custom layers of known layers, nested, come out derived, each row equal to Keras'."""
        model = transformer_classifier()
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        rows = {row.name: row for row in report.rows}
        assert rows["embedding"].layer == "TokenAndPositionEmbedding"
        assert rows["embedding"].formula == "800 + 80"
        assert rows["transformer/attention"].depth == 1
        assert rows["transformer/attention/query"].depth == 2
        assert rows["transformer/attention"].formula == (
            "2 × 8 × (8 + 1) + 2 × 8 × (8 + 1) + 2 × 8 × (8 + 1) + 8 × (2 × 8 + 1)"
        )
        assert [row.name for row in report.top_rows] == ["embedding", "transformer", "classifier"]

    def test_custom_layer_rows_sum_their_children(self):
        """A custom layer's row is the sum of the rows beneath it, as its formula shows."""
        model = transformer_classifier()
        report = lstmdoc.explain(model)
        sums = [index for index, row in enumerate(report.rows) if row.basis == "sum"]
        names = [report.rows[index].name for index in sums]
        # The feed-forward Sequential's name is Keras' own, numbered by how many came before.
        assert names[:2] == ["embedding", "transformer"]
        assert len(names) == 3
        assert names[2].startswith("transformer/sequential")
        for index in sums:
            row = report.rows[index]
            children = []
            for below in report.rows[index + 1 :]:
                if below.depth <= row.depth:
                    break
                if below.depth == row.depth + 1:
                    children.append(below)
            assert len(children) >= 2
            assert row.params == sum(known(child.params) for child in children)
            assert evaluate(str(row.formula)) == row.params

    def test_weights_a_custom_layer_declares_are_listed_and_marked(self):
        """add_weight weights are rows of their own: counted from their shapes, marked declared."""
        model = keras.Sequential([keras.Input(shape=(4,)), Scale(name="scale"), layers.Dense(2)])
        report = lstmdoc.explain(model)
        scale, factor, frozen, dense = report.rows
        assert (factor.name, factor.layer, factor.depth) == ("scale/factor", "add_weight", 1)
        assert (factor.params, factor.formula, factor.basis) == (4, "4", "declared")
        assert (frozen.trainable_params, frozen.non_trainable_params) == (0, 6)
        assert frozen.formula == "2 × 3"
        assert not factor.derived
        assert factor.check == "declared"
        assert (scale.params, scale.check, scale.derived) == (10, "declared", False)
        assert dense.check == "ok"
        assert report.derived_params == report.total_params == model.count_params()
        assert report.non_trainable_params == 6
        assert not report.agrees
        assert not report.disagreements
        assert "scale/factor, scale/frozen: created by a custom layer with add_weight" in str(
            report
        )

    def test_a_subclass_of_a_keras_layer_is_derived_by_its_base_class(self):
        """A user's subclass of Dense is a Dense by Keras' rule, plus the weight it adds."""
        model = keras.Sequential([keras.Input(shape=(3,)), Dense(2, name="mine")])
        report = lstmdoc.explain(model)
        mine, extra = report.rows
        assert (mine.layer, mine.basis, mine.formula) == (
            "Dense (Dense)",
            "formula",
            "2 × (3 + 1) + 5",
        )
        assert [weight.name for weight in mine.weights] == ["kernel", "bias"]
        assert (extra.name, extra.layer, extra.basis, extra.params) == (
            "mine/extra",
            "add_weight",
            "declared",
            5,
        )
        assert mine.params == mine.framework_params == 2 * 3 + 2 + 5 == model.count_params()
        assert "mine/extra: created by a custom layer with add_weight" in str(report)

    def test_a_subclassed_model(self):
        """A subclassed keras.Model is explained through the layers it tracks."""

        class Classifier(keras.Model):  # type: ignore[misc]
            def __init__(self):
                super().__init__(name="subclassed")
                self.encoder = layers.LSTM(4, name="encoder")
                self.head = layers.Dense(3, name="head")

            def call(self, inputs):
                return self.head(self.encoder(inputs))

        model = Classifier()
        model(np.zeros((1, 5, 2), "float32"))
        report = lstmdoc.explain(model)
        assert [row.name for row in report.rows] == ["encoder", "head"]
        assert_matches_keras(report, model)

    def test_a_wrapper_whose_config_cannot_be_read(self):
        """A wrapper of a custom layer without get_config is explained through what it holds."""

        class Unserializable(layers.Layer):  # type: ignore[misc]
            def __init__(self, thing):
                super().__init__(name="unserializable")
                self.thing = thing  # an object Keras cannot put in a config
                self.dense = layers.Dense(3, name="dense")

            def build(self, input_shape):
                self.dense.build(input_shape)

            def call(self, inputs):
                return self.dense(inputs)

        wrapper = layers.TimeDistributed(Unserializable(object()), name="wrapper")
        model = keras.Sequential([keras.Input(shape=(4, 5)), wrapper])
        with pytest.raises(NotImplementedError):
            wrapper.get_config()
        report = lstmdoc.explain(model)
        assert [row.name for row in report.rows] == [
            "wrapper",
            "wrapper/unserializable",
            "wrapper/unserializable/dense",
        ]
        assert_matches_keras(report, model)
        assert "wrapper (TimeDistributed): its configuration could not be read" in report.notes[0]

    def test_a_shared_layer_is_counted_once(self):
        """A layer applied twice owns one set of weights, and gets one row, as in Keras."""
        shared = layers.Dense(4, name="shared")
        first, second = keras.Input(shape=(3,)), keras.Input(shape=(3,))
        merged = layers.Concatenate()([shared(first), shared(second)])
        model = keras.Model([first, second], layers.Dense(1, name="out")(merged))
        report = lstmdoc.explain(model)
        assert [row.name for row in report.rows] == ["shared", "out"]
        assert_matches_keras(report, model)

    def test_frozen_layers_count_as_non_trainable(self):
        """A layer with trainable=False moves its count to the non-trainable total."""
        model = tutorial_model()
        model.layers[0].trainable = False
        report = lstmdoc.explain(model)
        assert (report.rows[0].trainable_params, report.rows[0].non_trainable_params) == (0, 1760)
        assert_matches_keras(report, model)

    def test_a_recurrent_layer_given_an_initial_state(self):
        """An LSTM called with initial_state (built from two shapes) is still derived."""
        sequences, h, c = (
            keras.Input(shape=(5, 3)),
            keras.Input(shape=(4,)),
            keras.Input(shape=(4,)),
        )
        model = keras.Model([sequences, h, c], layers.LSTM(4)(sequences, initial_state=[h, c]))
        assert_matches_keras(lstmdoc.explain(model), model)

    def test_a_single_layer_can_be_explained(self):
        """A built layer, not only a model, explains as one row of depth 0."""
        layer = layers.GRU(5)
        layer.build((None, 4, 3))
        report = lstmdoc.explain(layer)
        (row,) = report.rows
        assert (row.depth, row.params) == (0, layer.count_params())
        assert report.total_params == layer.count_params()

    def test_a_model_without_weights_has_no_rows(self):
        """A model of weightless layers reports zero and says so."""
        model = keras.Sequential([keras.Input(shape=(4,)), layers.ReLU()])
        report = lstmdoc.explain(model)
        assert report.rows == ()
        assert report.total_params == 0
        assert "No layer owns weights." in str(report)


class TestOutputShapesAndDepth:
    def test_each_row_has_the_output_shape_keras_gives_its_layer(self):
        """A functional model's rows carry each layer's output shape, as Keras' layer.output has it."""
        model = transformer_classifier()
        report = lstmdoc.explain(model)
        for row in report.rows:
            if row.depth == 0:
                layer = model.get_layer(row.name)
                assert row.output_shape == tuple(layer.output.shape), row.name

    def test_a_built_layer_has_the_shape_it_computes(self):
        """A layer built by hand has compute_output_shape's shape for what it was built on."""
        layer = layers.GRU(5, return_sequences=True)
        layer.build((None, 4, 3))
        (row,) = lstmdoc.explain(layer).rows
        assert row.output_shape == (None, 4, 5) == layer.compute_output_shape((None, 4, 3))

    def test_a_layer_with_several_outputs_has_no_shape(self):
        """An LSTM returning its states has three outputs: no one shape is shown."""
        inputs = keras.Input((6, 2))
        output, _, _ = layers.LSTM(3, return_state=True)(inputs)
        (row,) = lstmdoc.explain(keras.Model(inputs, output)).rows
        assert row.output_shape is None

    def test_shapes_are_a_column_on_request(self):
        """Keras' shapes are in the JSON and the output column, not in the default table."""
        report = lstmdoc.explain(tutorial_model())
        assert "output shape" not in report.text()
        assert "(None, 20)" in report.text(columns=["formula", "output"])
        assert report.to_dict()["rows"][0]["output_shape"] == [None, 20]

    def test_an_input_is_refused_for_a_keras_model(self):
        with pytest.raises(ValueError, match="input_size and input_data are for PyTorch modules"):
            lstmdoc.explain(tutorial_model(), input_size=(1, 20, 1))

    def test_depth_folds_the_rows_beneath(self):
        """depth=0 keeps the model's own layers, depth=1 one level more; the totals stay."""
        model = transformer_classifier()
        full = lstmdoc.explain(model)
        for depth in (0, 1):
            folded = lstmdoc.explain(model, depth=depth)
            assert [row.name for row in folded.rows] == [
                row.name for row in full.rows if row.depth <= depth
            ]
            assert folded.derived_params == model.count_params()

    @pytest.mark.parametrize(("depth", "error"), [(-1, ValueError), (1.5, TypeError)])
    def test_a_bad_depth_is_refused(self, depth, error):
        with pytest.raises(error, match=r"^depth must be a non-negative integer"):
            lstmdoc.explain(tutorial_model(), depth=depth)


class TestIndependenceFromKerasCounts:
    def test_keras_weights_lying_about_their_shapes_make_the_report_disagree(self, monkeypatch):
        """With Keras' variables reporting twice their size, lstmdoc's counts stay put and DIFFER.

        Keras' own count is read from its variables; lstmdoc's is derived from the
        layers' configurations alone, so only Keras' column may move.
        """
        model = transformer_classifier()
        honest = lstmdoc.explain(model)
        shape = keras.Variable.shape
        monkeypatch.setattr(
            keras.Variable,
            "shape",
            property(lambda variable: (2 * shape.fget(variable)[0], *shape.fget(variable)[1:])),
        )
        report = lstmdoc.explain(model)
        assert [row.params for row in report.rows] == [row.params for row in honest.rows]
        assert [row.formula for row in report.rows] == [row.formula for row in honest.rows]
        assert all(row.framework_params == 2 * known(row.params) for row in report.rows)
        assert all(row.check == "DIFFERS" for row in report.rows)
        assert report.disagreements == report.rows
        assert not report.agrees
        assert "DISAGREEMENT" in str(report)
        assert "DIFFERS from Keras" in report._repr_html_()
        assert report.to_dict()["rows"][0]["check"] == "DIFFERS"

    def test_a_wrong_rule_is_shown_as_a_disagreement(self, monkeypatch):
        """A rule that derives the wrong count is marked DIFFERS, never smoothed over."""
        from lstmdoc.keras import registry  # noqa: PLC0415
        from lstmdoc.report.rules import Derivation  # noqa: PLC0415

        wrong = Derivation((lstmdoc.LayerWeight("kernel", (1,), True),), formula="1")
        monkeypatch.setitem(registry.LAYER_RULES, "Dense", lambda _config, _shapes: wrong)
        report = lstmdoc.explain(tutorial_model())
        assert report.rows[1].check == "DIFFERS"
        assert "DISAGREEMENT: lstmdoc's count differs from Keras' for dense" in str(report)


# --- random models -------------------------------------------------------------------------

UNITS = st.integers(1, 6)
LEAVES = st.one_of(
    st.tuples(st.just("lstm"), UNITS, st.booleans()),
    st.tuples(st.just("gru"), UNITS, st.booleans()),
    st.tuples(st.just("simple_rnn"), UNITS, st.booleans()),
    st.tuples(st.just("bidirectional"), UNITS, st.sampled_from(["concat", "sum"])),
    st.tuples(
        st.just("cells"),
        st.lists(st.sampled_from(["LSTMCell", "GRUCell"]), min_size=1, max_size=2),
        UNITS,
    ),
    st.tuples(st.just("conv1d"), UNITS, st.integers(1, 3)),
    st.tuples(st.just("dense"), UNITS, st.booleans()),
    st.tuples(st.just("einsum"), UNITS, st.booleans()),
    st.tuples(st.just("time_distributed"), UNITS, st.booleans()),
    st.tuples(st.just("layer_normalization"), st.booleans(), st.booleans()),
    st.tuples(st.just("batch_normalization"), st.booleans(), st.booleans()),
    st.tuples(st.just("transformer"), st.integers(1, 2), UNITS),
    st.tuples(st.just("residual")),
)
# A nested Sequential of blocks, itself possibly holding another.
NESTED = st.tuples(st.just("nested"), st.lists(LEAVES, min_size=1, max_size=2))
BLOCKS = st.one_of(
    LEAVES,
    NESTED,
    st.tuples(st.just("nested"), st.lists(st.one_of(LEAVES, NESTED), min_size=1, max_size=2)),
)
CUSTOM = {"TokenAndPositionEmbedding", "TransformerBlock", "Residual"}


def _recurrent(kind, units, flag):
    extra = {"reset_after": flag} if kind == "gru" else {"use_bias": flag}
    cls = {"lstm": layers.LSTM, "gru": layers.GRU, "simple_rnn": layers.SimpleRNN}[kind]
    return cls(units, return_sequences=True, **extra), units


def _bidirectional(units, merge):
    layer = layers.Bidirectional(layers.LSTM(units, return_sequences=True), merge_mode=merge)
    return layer, 2 * units if merge == "concat" else units


def _cells(kinds, units):
    cells = [getattr(layers, cell)(units) for cell in kinds]
    return layers.RNN(cells if len(cells) > 1 else cells[0], return_sequences=True), units


def _einsum(units, bias):
    return layers.EinsumDense("abc,cd->abd", (None, units), bias_axes="d" if bias else None), units


# Each drawn block's layer on sequences `width` wide, and the width it outputs.
BUILDERS: dict[str, Callable[..., Any]] = {
    "lstm": lambda _width, *options: _recurrent("lstm", *options),
    "gru": lambda _width, *options: _recurrent("gru", *options),
    "simple_rnn": lambda _width, *options: _recurrent("simple_rnn", *options),
    "bidirectional": lambda _width, units, merge: _bidirectional(units, merge),
    "cells": lambda _width, kinds, units: _cells(kinds, units),
    "conv1d": lambda _width, filters, kernel: (
        layers.Conv1D(filters, kernel, padding="same"),
        filters,
    ),
    "dense": lambda _width, units, frozen: (layers.Dense(units, trainable=not frozen), units),
    "einsum": lambda _width, units, bias: _einsum(units, bias),
    "time_distributed": lambda _width, units, bias: (
        layers.TimeDistributed(layers.Dense(units, use_bias=bias)),
        units,
    ),
    "layer_normalization": lambda width, center, scale: (
        layers.LayerNormalization(center=center, scale=scale or not center),
        width,
    ),
    "batch_normalization": lambda width, center, frozen: (
        layers.BatchNormalization(center=center, trainable=not frozen),
        width,
    ),
    "transformer": lambda width, heads, ff_dim: (TransformerBlock(width, heads, ff_dim), width),
    "residual": lambda width: (Residual(width), width),
}


def make_layer(block, width: int):
    """The Keras layer of a drawn block on sequences ``width`` wide; and its output width."""
    kind, *options = block
    if kind != "nested":
        return BUILDERS[kind](width, *options)
    nested = []
    for inner in options[0]:
        layer, width = make_layer(inner, width)
        nested.append(layer)
    return keras.Sequential(nested), width


def random_model(blocks, *, functional: bool, vocabulary: int, width: int) -> keras.Model:
    """A text model: token and position embedding, the drawn blocks, a two-class head."""
    embedding = TokenAndPositionEmbedding(6, vocabulary, width, name="embedding")
    chain = []
    for block in blocks:
        layer, width = make_layer(block, width)
        chain.append(layer)
    head = [layers.GlobalAveragePooling1D(), layers.Dense(2, name="head")]
    if not functional:
        return keras.Sequential([keras.Input(shape=(6,), dtype="int32"), embedding, *chain, *head])
    inputs = keras.Input(shape=(6,), dtype="int32")
    x = embedding(inputs)
    for layer in chain:
        x = layer(x)
    for layer in head:
        x = layer(x)
    return keras.Model(inputs, x)


def stored_rows(live_rows):
    """The rows a saved file gives for a live report: custom layers by their stored count.

    A custom layer's code never runs from a file, so its row has no derivation and
    the rows beneath it are absent; the rows that hold it have no derived total.
    """
    expected, hidden_below = [], None
    for index, row in enumerate(live_rows):
        if hidden_below is not None and row.depth > hidden_below:
            continue
        hidden_below = None
        subtree = []
        for below in live_rows[index + 1 :]:
            if below.depth <= row.depth:
                break
            subtree.append(below)
        if row.layer in CUSTOM or any(below.layer in CUSTOM for below in subtree):
            custom = row.layer in CUSTOM
            expected.append(
                dataclasses.replace(
                    row,
                    formula=None,
                    params=None,
                    trainable_params=None,
                    non_trainable_params=None,
                    derived=False,
                    basis="none" if custom else row.basis,
                    weights=() if custom else row.weights,
                    note=None,
                )
            )
            if custom:
                hidden_below = row.depth
        else:
            expected.append(dataclasses.replace(row, output_shape=None))
    return expected


RANDOM = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class TestRandomModels:
    @RANDOM
    @given(
        blocks=st.lists(BLOCKS, min_size=1, max_size=3),
        functional=st.booleans(),
        vocabulary=st.integers(2, 30),
        width=st.integers(1, 6),
    )
    def test_live_and_saved_models_are_derived_and_agree(
        self, tmp_path, blocks, functional, vocabulary, width
    ):
        """Random models: every row derived and equal to Keras; the saved file gives the same rows."""
        model = random_model(blocks, functional=functional, vocabulary=vocabulary, width=width)
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        assert sum(known(row.params) for row in report.top_rows) == model.count_params()
        for row in report.rows:  # a row's count is its weights' and the rows directly beneath
            index = report.rows.index(row)
            beneath = []
            for below in report.rows[index + 1 :]:
                if below.depth <= row.depth:
                    break
                if below.depth == row.depth + 1:
                    beneath.append(known(below.params))
            assert row.params == sum(w.count for w in row.weights) + sum(beneath)

        path = save(model, tmp_path / f"random{id(blocks)}.keras")
        stored = lstmdoc.explain_file(path)
        # Rows outside custom layers are the live ones; a custom layer is shown through
        # its stored arrays, whose count is Keras'.
        outside = [row for row in stored_rows(report.rows) if row.params is not None]
        by_name = {row.name: dataclasses.replace(row, note=None) for row in stored.rows}
        assert [by_name.get(row.name) for row in outside] == outside
        assert stored.total_params == stored.derived_params == model.count_params()
        for row in stored.rows:
            if row.layer in CUSTOM:
                assert row.params == row.framework_params


# --- saved files ---------------------------------------------------------------------------


MARKER = "LSTMDOC_TEST_MARKER"  # where the Lambda below writes when its code runs


def lambda_model() -> keras.Model:
    """A model whose Lambda layer, whenever its code runs, writes the file named by $MARKER.

    The function reads the path from the environment, since a lambda's defaults and
    globals do not survive Keras' serialization; with $MARKER unset it writes to
    /dev/null.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(3,)),
            layers.Lambda(
                lambda x: (
                    __import__("pathlib")
                    .Path(__import__("os").environ.get("LSTMDOC_TEST_MARKER", "/dev/null"))
                    .write_text("ran"),
                    x,
                )[1],
                name="writes_a_file",
            ),
            layers.Dense(2),
        ]
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A folder of saved models: the tutorial's, a marker-writing Lambda, a trained transformer."""
    folder = tmp_path_factory.mktemp("models")
    save(tutorial_model(), folder / "tutorial.keras")
    save(lambda_model(), folder / "lambda.keras")
    trained = transformer_classifier()
    trained.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    trained.fit(np.zeros((4, 10), "int32"), np.zeros((4,), "int32"), verbose=0)
    save(trained, folder / "transformer.keras")
    return folder


@pytest.fixture
def marker(tmp_path, monkeypatch):
    """The file the Lambda's code writes if it runs: absent until then."""
    path = tmp_path / "marker"
    monkeypatch.setenv(MARKER, str(path))
    return path


class TestExplainFile:
    def test_a_saved_model_explains_as_the_live_model(self, saved):
        """explain_file gives explain's rows for the model Keras loads from the same file."""
        report = lstmdoc.explain_file(saved / "tutorial.keras")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # as in `save`
            model = keras.saving.load_model(saved / "tutorial.keras")
        live = lstmdoc.explain(model)
        assert report.rows == tuple(as_stored(live.rows))
        assert report.total_params == model.count_params() == 2180
        assert report.source == str(saved / "tutorial.keras")
        assert report.agrees
        assert lstmdoc.explain_file(str(saved / "tutorial.keras")).rows == report.rows

    def test_custom_classes_are_named_with_their_stored_count(self, saved):
        """Custom classes in a file are never run: their stored count is shown, with a note."""
        report = lstmdoc.explain_file(saved / "transformer.keras")
        live = lstmdoc.explain(transformer_classifier())
        embedding, transformer, classifier = report.top_rows
        assert embedding.layer == "TokenAndPositionEmbedding"
        # Never run: shown through the arrays stored for it, which add up to Keras' count.
        assert embedding.params == embedding.framework_params == live.rows[0].params
        assert (
            transformer.framework_params
            == next(r for r in live.rows if r.name == "transformer").params
        )
        assert classifier.check == "ok"
        assert report.total_params == live.total_params
        note = " ".join(report.notes)
        assert "TransformerBlock" in note
        assert "never runs" in note

    def test_the_optimizer_of_a_trained_file_is_read(self, saved):
        """A file saved after training holds its optimizer's variables: counted and compared."""
        report = lstmdoc.explain_file(saved / "transformer.keras")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # as in `save`, and Keras' notes on compiled state
            custom: dict[str, type] = {
                "TokenAndPositionEmbedding": TokenAndPositionEmbedding,
                "TransformerBlock": TransformerBlock,
            }
            model = keras.saving.load_model(saved / "transformer.keras", custom_objects=custom)
        assert report.optimizer is not None
        assert report.optimizer.framework_params == size(model.optimizer.variables)
        # The custom layers' arrays are shown as trainable, as these are: Adam's count follows.
        assert report.optimizer.check == "ok"

    def test_a_lambda_file_is_explained_and_its_code_never_runs(self, saved, marker):
        """A Lambda layer owns no weights: the file is explained, and its code never runs."""
        report = lstmdoc.explain_file(saved / "lambda.keras")
        assert [row.layer for row in report.rows] == ["Dense"]
        assert report.agrees
        assert not marker.exists()

    def test_control_the_lambda_file_runs_its_code_when_keras_loads_it(self, saved, marker):
        """Control: loading the Lambda file unsafely does run its code and write the marker."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # as in `save`
            keras.saving.load_model(saved / "lambda.keras", safe_mode=False)
        assert marker.read_text() == "ran"

    def test_explaining_a_file_imports_neither_keras_nor_tensorflow(self, saved):
        """explain_file, in a fresh interpreter, leaves keras and tensorflow unimported."""
        import subprocess  # noqa: PLC0415
        import sys  # noqa: PLC0415

        code = (
            "import sys, lstmdoc; "
            f"report = lstmdoc.explain_file({str(saved / 'transformer.keras')!r}); "
            "print(report.total_params, sorted({m.split('.')[0] for m in sys.modules}))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        )
        total, modules = result.stdout.split(" ", 1)
        assert int(total) == transformer_classifier().count_params()
        assert "h5py" in modules  # the check sees real imports
        assert "keras" not in modules
        assert "tensorflow" not in modules

    def test_the_report_as_json_names_the_file(self, saved):
        """to_dict() of a file's report holds the source path and plain values."""
        report = lstmdoc.explain_file(saved / "tutorial.keras")
        data = json.loads(report.to_json())
        assert data["source"] == str(saved / "tutorial.keras")
        assert data["framework"] == "Keras"
        assert data["rows"][0]["weights"][0] == {
            "name": "kernel",
            "shape": [1, 80],
            "count": 80,
            "trainable": True,
            "meaning": "features × 4·units",
            "dtype": "float32",
        }
        assert data["memory"]["weight_bytes"] == 2180 * 4


class TestBadInput:
    def test_unbuilt_model_says_how_to_build_it(self):
        """A Sequential without keras.Input raises ValueError pointing at keras.Input."""
        model = keras.Sequential([layers.LSTM(20), layers.Dense(1)])
        with pytest.raises(ValueError, match=r"model must be built.*keras\.Input"):
            lstmdoc.explain(model)

    def test_unbuilt_layer_is_refused(self):
        """An unbuilt layer raises ValueError naming layer.build."""
        with pytest.raises(ValueError, match=r"layer\.build\(input_shape\)"):
            lstmdoc.explain(layers.Dense(3))

    @pytest.mark.parametrize("model", [None, "model.keras", 3, np.zeros(3)])
    def test_not_a_keras_object_raises_type_error(self, model):
        """Anything but a Keras model or layer (or a PyTorch module) raises TypeError naming model."""
        with pytest.raises(
            TypeError,
            match=r"^model must be a built Keras model or layer, or a torch\.nn\.Module, got",
        ):
            lstmdoc.explain(model)

    @pytest.mark.parametrize("path", [None, 3, b"model.keras"])
    def test_path_must_be_a_path(self, path):
        """A path that is not a string or os.PathLike raises TypeError naming path."""
        with pytest.raises(TypeError, match=r"^path must be a path to a saved model file"):
            lstmdoc.explain_file(path)
