"""Tests for lstmdoc.pytorch that need no PyTorch: the formulas' arithmetic and input checks.

The proof against real PyTorch is in tests/pytorch/, run by ``nox -s torch``.
"""

from __future__ import annotations

from typing import Any

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lstmdoc
from lstmdoc.pytorch import torch_recurrent_formula
from tests._formulas import evaluate
from tests._torch_shapes import documented_count, documented_shapes

SIZES = st.integers(min_value=1, max_value=48)
SWEEP = settings(max_examples=25, deadline=None)


class TestAgainstKerasCounts:
    @SWEEP
    @given(features=SIZES, units=SIZES)
    def test_torch_lstm_has_one_more_bias_per_gate_block(self, features, units):
        """torch.nn.LSTM counts 4 × units more than a built keras.layers.LSTM."""
        layer = keras.layers.LSTM(units)
        layer.build((None, 3, features))
        count = lstmdoc.torch_lstm_param_count(features, units)
        assert count == layer.count_params() + 4 * units

    @SWEEP
    @given(features=SIZES, units=SIZES)
    def test_torch_gru_counts_like_keras_reset_after(self, features, units):
        """torch.nn.GRU counts what keras.layers.GRU(reset_after=True) counts."""
        layer = keras.layers.GRU(units, reset_after=True)
        layer.build((None, 3, features))
        assert lstmdoc.torch_gru_param_count(features, units) == layer.count_params()

    def test_the_readers_question(self):
        """torch.nn.LSTM(1, 20) has 1,840 parameters where Keras' LSTM(20) has 1,760."""
        assert lstmdoc.torch_lstm_param_count(1, 20) == 1840
        assert lstmdoc.lstm_param_count(20, 1) == 1760


class TestShapes:
    def test_names_follow_layers_then_directions(self):
        """Two bidirectional layers list l0, l0_reverse, l1, l1_reverse, in PyTorch's order."""
        shapes = lstmdoc.torch_gru_parameter_shapes(3, 5, num_layers=2, bidirectional=True)
        assert list(shapes) == [
            f"{kind}_{part}_l{layer}{suffix}"
            for layer in (0, 1)
            for suffix in ("", "_reverse")
            for kind, part in (("weight", "ih"), ("weight", "hh"), ("bias", "ih"), ("bias", "hh"))
        ]
        assert shapes["weight_ih_l1"] == (15, 10)  # the second layer sees both directions

    def test_projection_shrinks_the_recurrent_input(self):
        """With proj_size, weight_hh has proj_size columns and weight_hr maps back."""
        shapes = lstmdoc.torch_lstm_parameter_shapes(3, 8, proj_size=2, bias=False)
        assert shapes == {"weight_ih_l0": (32, 3), "weight_hh_l0": (32, 2), "weight_hr_l0": (2, 8)}


class TestFormulas:
    def test_the_formula_of_torch_lstm_1_20(self):
        """LSTM(1, 20): four blocks of 20 rows, each seeing 1 input, 20 hidden and two biases."""
        assert torch_recurrent_formula("LSTM", 1, 20) == "4 × 20 × (1 + 20 + 2)"

    @pytest.mark.parametrize("bidirectional", [False, True])
    @pytest.mark.parametrize("num_layers", [1, 2, 3])
    @pytest.mark.parametrize("bias", [False, True])
    def test_each_formula_evaluates_to_the_count(self, num_layers, bidirectional, bias):
        """The printed formula of every mode adds up to the count of the same arguments."""
        options: dict[str, Any] = {
            "num_layers": num_layers,
            "bidirectional": bidirectional,
            "bias": bias,
        }
        for mode in ("LSTM", "GRU", "RNN"):
            projection = 2 if mode == "LSTM" else 0
            count = documented_count(mode.lower(), 3, 5, proj_size=projection, **options)
            formula = torch_recurrent_formula(mode, 3, 5, proj_size=projection, **options)
            assert evaluate(formula) == count
            shapes = getattr(lstmdoc, f"torch_{mode.lower()}_parameter_shapes")
            arguments = {**options, **({"proj_size": projection} if projection else {})}
            assert shapes(3, 5, **arguments) == documented_shapes(
                mode.lower(), 3, 5, proj_size=projection, **options
            )


class TestBadArguments:
    @pytest.mark.parametrize(
        ("arguments", "options", "error", "message"),
        [
            ((0, 5), {}, ValueError, "input_size must be a positive integer"),
            ((3, 2.0), {}, TypeError, r"hidden_size must be a positive integer, got 2\.0"),
            ((3, 5), {"num_layers": 0}, ValueError, "num_layers must be a positive integer"),
            ((3, 5), {"bias": 1}, TypeError, "bias must be True or False"),
            ((3, 5), {"bidirectional": "yes"}, TypeError, "bidirectional must be True or False"),
            ((3, 5), {"proj_size": 5}, ValueError, r"proj_size must be 0 .* 1 to .* = 4, got 5"),
            ((3, 5), {"proj_size": -1}, ValueError, r"proj_size must be a non-negative .*, got -1"),
            (
                (3, 5),
                {"proj_size": True},
                TypeError,
                r"proj_size must be a non-negative .*, got True",
            ),
        ],
    )
    def test_bad_arguments_are_named(self, arguments, options, error, message):
        """Each bad argument raises TypeError or ValueError naming it and what it got."""
        with pytest.raises(error, match=message):
            lstmdoc.torch_lstm_param_count(*arguments, **options)

    @pytest.mark.parametrize(
        ("mode", "options", "message"),
        [
            ("lstm", {}, r"mode must be 'LSTM', 'GRU' or 'RNN', got 'lstm' \(str\)"),
            (None, {}, r"mode must be 'LSTM', 'GRU' or 'RNN', got None"),
            (["LSTM"], {}, r"mode must be 'LSTM', 'GRU' or 'RNN', got \['LSTM'\] \(list\)"),
            ("GRU", {"proj_size": 2}, "proj_size is only supported for LSTM, not GRU; got 2"),
            ("RNN", {"proj_size": 2}, "proj_size is only supported for LSTM, not RNN; got 2"),
        ],
    )
    def test_a_formula_needs_a_known_mode_and_a_projection_only_on_lstm(
        self, mode, options, message
    ):
        """An unknown mode, or proj_size on a GRU or RNN (PyTorch refuses it), is a ValueError."""
        with pytest.raises(ValueError, match=message):
            torch_recurrent_formula(mode, 3, 5, **options)
