"""The rules of lstmdoc.keras.core and lstmdoc.keras.einsum against real Keras."""

from __future__ import annotations

import keras
import pytest
from hypothesis import given
from hypothesis import strategies as st
from keras import layers

import lstmdoc
from lstmdoc.keras import einsum
from tests._keras_models import (
    SIZES,
    SMALL,
    SWEEP,
    assert_matches_keras,
    explained,
)


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
        kernel, bias = einsum.einsum_dense_shapes(equation, bias_axes, input_shape, output_shape)
        assert kernel == tuple(layer.kernel.shape)
        assert bias == (None if layer.bias is None else tuple(layer.bias.shape))

    def test_an_unsupported_equation_is_refused(self):
        """An equation EinsumDense cannot take raises ValueError naming it."""
        with pytest.raises(ValueError, match="unsupported einsum equation 'a,b,c->d'"):
            einsum.einsum_dense_shapes("a,b,c->d", None, (None, 3), 2)
