"""Tests for lstmdoc.counting: every count is checked against real Keras."""

from __future__ import annotations

import json
from typing import Any

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lstmdoc
from lstmdoc.counting import formulas
from tests._formulas import evaluate

SIZES = st.integers(min_value=1, max_value=48)
SWEEP = settings(max_examples=25, deadline=None)


def keras_layer(kind: str, units: int, features: int, **options) -> keras.layers.Layer:
    """Build a real Keras layer of ``kind`` on inputs with ``features`` features."""
    if kind == "dense":
        layer = keras.layers.Dense(units, **options)
        layer.build((None, features))
    else:
        cls = {
            "lstm": keras.layers.LSTM,
            "gru": keras.layers.GRU,
            "simple_rnn": keras.layers.SimpleRNN,
        }
        layer = cls[kind](units, **options)
        layer.build((None, 7, features))
    return layer


class TestCountsAgainstKeras:
    @SWEEP
    @given(units=SIZES, features=SIZES, use_bias=st.booleans())
    def test_lstm_count_equals_keras_count_params(self, units, features, use_bias):
        """lstm_param_count equals a built keras.layers.LSTM's count_params()."""
        layer = keras_layer("lstm", units, features, use_bias=use_bias)
        assert lstmdoc.lstm_param_count(units, features, use_bias=use_bias) == layer.count_params()

    @SWEEP
    @given(units=SIZES, features=SIZES, use_bias=st.booleans(), reset_after=st.booleans())
    def test_gru_count_equals_keras_count_params(self, units, features, use_bias, reset_after):
        """gru_param_count equals keras.layers.GRU's count for both reset_after settings."""
        layer = keras_layer("gru", units, features, use_bias=use_bias, reset_after=reset_after)
        count = lstmdoc.gru_param_count(units, features, use_bias=use_bias, reset_after=reset_after)
        assert count == layer.count_params()

    @SWEEP
    @given(units=SIZES, features=SIZES, use_bias=st.booleans())
    def test_simple_rnn_count_equals_keras_count_params(self, units, features, use_bias):
        """simple_rnn_param_count equals keras.layers.SimpleRNN's count_params()."""
        layer = keras_layer("simple_rnn", units, features, use_bias=use_bias)
        count = lstmdoc.simple_rnn_param_count(units, features, use_bias=use_bias)
        assert count == layer.count_params()

    @SWEEP
    @given(units=SIZES, features=SIZES, use_bias=st.booleans())
    def test_dense_count_equals_keras_count_params(self, units, features, use_bias):
        """dense_param_count equals keras.layers.Dense's count_params()."""
        layer = keras_layer("dense", units, features, use_bias=use_bias)
        assert lstmdoc.dense_param_count(units, features, use_bias=use_bias) == layer.count_params()

    def test_dense_count_depends_only_on_the_last_axis(self):
        """A Dense layer on a rank-3 input has the count of its last axis, as in Keras."""
        model = keras.Sequential([keras.Input(shape=(5, 3)), keras.layers.Dense(4)])
        assert lstmdoc.dense_param_count(4, 3) == model.count_params()

    def test_the_worked_example_has_1760_420_and_2180_parameters(self):
        """LSTM(20) then Dense(20) on (20, 1) inputs: 1,760 + 420 = 2,180, as Keras says."""
        model = keras.Sequential(
            [
                keras.Input(shape=(20, 1)),
                keras.layers.LSTM(20, activation="relu"),
                keras.layers.Dense(20),
            ]
        )
        lstm_count = lstmdoc.lstm_param_count(units=20, features=1)
        dense_count = lstmdoc.dense_param_count(units=20, features=20)
        assert (lstm_count, dense_count) == (1760, 420)
        assert model.layers[0].count_params() == lstm_count
        assert model.layers[1].count_params() == dense_count
        assert model.count_params() == lstm_count + dense_count == 2180


class TestHandDerivedCounts:
    @pytest.mark.parametrize(
        ("function", "options", "expected"),
        [
            (lstmdoc.lstm_param_count, {}, 4 * 20 * (1 + 20 + 1)),
            (lstmdoc.lstm_param_count, {"use_bias": False}, 4 * 20 * (1 + 20)),
            (lstmdoc.gru_param_count, {}, 3 * 20 * (1 + 20 + 2)),
            (lstmdoc.gru_param_count, {"reset_after": False}, 3 * 20 * (1 + 20 + 1)),
            (lstmdoc.gru_param_count, {"use_bias": False}, 3 * 20 * (1 + 20)),
            (lstmdoc.simple_rnn_param_count, {}, 20 * (1 + 20 + 1)),
            (lstmdoc.dense_param_count, {}, 20 * (1 + 1)),
            (lstmdoc.dense_param_count, {"use_bias": False}, 20 * 1),
        ],
    )
    def test_count_matches_the_formula_worked_by_hand(self, function, options, expected):
        """Each count equals its formula evaluated by hand for units=20, features=1."""
        assert function(20, 1, **options) == expected

    def test_counts_accept_numpy_integers(self):
        """Sizes read from array shapes (NumPy integers) are accepted."""
        # Typed Any: the annotations say int, as most callers pass; NumPy's integers are
        # accepted at run time, which is what this checks.
        units: Any = np.int64(20)
        features: Any = np.int32(1)
        assert lstmdoc.lstm_param_count(units, features) == 1760


BREAKDOWNS = [
    ("lstm", lstmdoc.lstm_param_breakdown, {}),
    ("lstm", lstmdoc.lstm_param_breakdown, {"use_bias": False}),
    ("gru", lstmdoc.gru_param_breakdown, {}),
    ("gru", lstmdoc.gru_param_breakdown, {"reset_after": False}),
    ("gru", lstmdoc.gru_param_breakdown, {"use_bias": False}),
    ("simple_rnn", lstmdoc.simple_rnn_param_breakdown, {}),
    ("simple_rnn", lstmdoc.simple_rnn_param_breakdown, {"use_bias": False}),
    ("dense", lstmdoc.dense_param_breakdown, {}),
    ("dense", lstmdoc.dense_param_breakdown, {"use_bias": False}),
]


class TestBreakdown:
    @pytest.mark.parametrize(("kind", "breakdown", "options"), BREAKDOWNS)
    def test_weights_match_keras_names_shapes_and_order(self, kind, breakdown, options):
        """The breakdown lists Keras' own weights: the same names, shapes and order."""
        layer = keras_layer(kind, 6, 3, **options)
        result = breakdown(6, 3, **options)
        keras_weights = [(weight.name, tuple(weight.shape)) for weight in layer.weights]
        assert [(weight.name, weight.shape) for weight in result.weights] == keras_weights
        assert result.total == layer.count_params()

    @pytest.mark.parametrize(("breakdown", "options"), [case[1:] for case in BREAKDOWNS])
    def test_printed_formula_evaluates_to_the_total(self, breakdown, options):
        """The substituted formula, read as arithmetic, equals the total it claims."""
        result = breakdown(20, 3, **options)
        assert evaluate(result.substituted) == result.total
        assert result.equation == f"{result.substituted} = {result.total:,}"

    def test_lstm_equation_reads_as_the_classic_derivation(self):
        """The worked example prints as 4 × 20 × (1 + 20 + 1) = 1,760."""
        result = lstmdoc.lstm_param_breakdown(units=20, features=1)
        assert result.formula == "4 × units × (features + units + 1)"
        assert result.equation == "4 × 20 × (1 + 20 + 1) = 1,760"

    def test_gru_with_reset_after_shows_two_bias_rows(self):
        """A GRU with reset_after=True has a (2, 3·units) bias, counted in the formula as + 2."""
        result = lstmdoc.gru_param_breakdown(units=20, features=1)
        assert result.weights[-1].shape == (2, 60)
        assert result.substituted == "3 × 20 × (1 + 20 + 2)"

    def test_text_lists_every_weight_and_the_total(self):
        """str(breakdown) shows each weight's name, shape and count, then the equation."""
        text = str(lstmdoc.lstm_param_breakdown(units=20, features=1))
        assert "kernel            (1, 80)      80" in text
        assert "recurrent_kernel  (20, 80)  1,600" in text
        assert "bias              (80,)        80" in text
        assert text.splitlines()[-1] == "4 × 20 × (1 + 20 + 1) = 1,760"

    def test_dict_form_is_json_ready_and_complete(self):
        """to_dict() survives a JSON round trip and its counts add up to the total."""
        data = json.loads(json.dumps(lstmdoc.gru_param_breakdown(4, 2).to_dict()))
        assert data["reset_after"] is True
        assert sum(weight["count"] for weight in data["weights"]) == data["total"] == 3 * 4 * 8
        assert data["weights"][-1]["shape"] == [2, 12]


COUNTERS = [
    lstmdoc.lstm_param_count,
    lstmdoc.gru_param_count,
    lstmdoc.simple_rnn_param_count,
    lstmdoc.dense_param_count,
    lstmdoc.lstm_param_breakdown,
    lstmdoc.gru_param_breakdown,
    lstmdoc.simple_rnn_param_breakdown,
    lstmdoc.dense_param_breakdown,
]


class TestBadInput:
    @pytest.mark.parametrize("function", COUNTERS)
    @pytest.mark.parametrize("argument", ["units", "features"])
    @pytest.mark.parametrize("bad", [0, -3])
    def test_sizes_below_one_raise_value_error(self, function, argument, bad):
        """Zero or negative units or features raise ValueError naming the argument and value."""
        sizes = {"units": 20, "features": 1, argument: bad}
        with pytest.raises(ValueError, match=rf"{argument} must be a positive integer.*got {bad}"):
            function(**sizes)

    @pytest.mark.parametrize("function", COUNTERS)
    @pytest.mark.parametrize("argument", ["units", "features"])
    @pytest.mark.parametrize("bad", [2.5, 20.0, True, "20", None, [20]])
    def test_sizes_that_are_not_integers_raise_type_error(self, function, argument, bad):
        """Fractions, floats, bools, strings, None and lists raise TypeError naming the argument."""
        sizes = {"units": 20, "features": 1, argument: bad}
        with pytest.raises(TypeError, match=rf"{argument} must be a positive integer, got"):
            function(**sizes)

    @pytest.mark.parametrize("function", COUNTERS)
    def test_use_bias_must_be_a_bool(self, function):
        """use_bias="no" raises TypeError rather than being read as true."""
        with pytest.raises(TypeError, match="use_bias must be True or False, got 'no'"):
            function(20, 1, use_bias="no")

    def test_reset_after_must_be_a_bool(self):
        """reset_after=None raises TypeError rather than being read as false."""
        with pytest.raises(TypeError, match="reset_after must be True or False, got None"):
            lstmdoc.gru_param_count(20, 1, reset_after=None)  # type: ignore[arg-type]


class TestGrouped:
    """formulas.grouped parenthesises a sum before a factor multiplies it, and only a sum."""

    @pytest.mark.parametrize(
        ("formula", "expected"),
        [
            ("4 × 20 × (1 + 20 + 1)", "4 × 20 × (1 + 20 + 1)"),
            ("80 × (1 + 20 + 2) + 20 × 80", "(80 × (1 + 20 + 2) + 20 × 80)"),
            ("(1 + 2) × (3 + 4)", "(1 + 2) × (3 + 4)"),
            ("20 × 20", "20 × 20"),
        ],
    )
    def test_only_a_top_level_sum_is_parenthesised(self, formula, expected):
        """A + inside parentheses needs none; a + outside them does."""
        assert formulas.grouped(formula) == expected

    @given(st.lists(st.integers(1, 50), min_size=1, max_size=4), st.integers(2, 4))
    def test_multiplying_the_grouped_formula_keeps_its_value(self, terms, factor):
        """factor × grouped(a + b + ...) evaluates to factor times the sum."""
        formula = " + ".join(map(str, terms))
        assert evaluate(f"{factor} × {formulas.grouped(formula)}") == factor * sum(terms)
