"""The rules of lstmdoc.keras.attention against real Keras."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keras import layers

import lstmdoc
from tests._formulas import evaluate, terms
from tests._keras_models import (
    SIZES,
    SMALL,
    SWEEP,
    explained,
    model_of,
)


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
        """2 heads of key_dim 4 on 6 features: query, key, value and output, in Keras' order."""
        (attention, *projections) = explained(layers.MultiHeadAttention(2, 4), (5, 6), (5, 6))
        assert attention.formula == (
            "2 × 4 × (6 + 1) + 2 × 4 × (6 + 1) + 2 × 4 × (6 + 1) + 6 × (2 × 4 + 1)"
        )
        assert attention.legend == (
            "heads × key_dim × (query + 1) + heads × key_dim × (key + 1) + heads × value_dim "
            "× (value + 1) + output × (heads × value_dim + 1)"
        )
        assert [row.name.split("/")[-1] for row in projections] == [
            "query",
            "key",
            "value",
            "attention_output",
        ]
        assert [row.params for row in projections] == [56, 56, 56, 54]
        assert attention.params == 222

    @SWEEP
    @given(
        heads=SMALL,
        key_dim=SMALL,
        value_dim=SMALL,
        widths=st.lists(SIZES, min_size=3, max_size=3),
        bias=st.booleans(),
        gate=st.booleans(),
    )
    def test_each_term_of_the_formula_is_a_projection(
        self, heads, key_dim, value_dim, widths, bias, gate
    ):
        """The formula reads like the derivation: its terms are the projections' counts, in order."""
        layer = layers.MultiHeadAttention(
            heads, key_dim, value_dim=value_dim, use_bias=bias, use_gate=gate
        )
        query, value, key = widths
        attention, *projections = explained(
            layer, (4, query), (5, value), (5, key), call=lambda mha, x: mha(*x)
        )
        assert [evaluate(term) for term in terms(str(attention.formula))] == [
            row.params for row in projections
        ]

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
        # Shown or not, it computes weights × V (5 × 7 × 6), and with dot scores
        # query @ keyᵀ too; concat scores are a sum of tanh, elementwise.
        assert report.mult_adds == 5 * 7 * 6 * (2 if score_mode == "dot" else 1)

    @pytest.mark.parametrize("use_scale", [True, False])
    def test_additive_attention(self, use_scale):
        """AdditiveAttention's scale is one value per feature of the query."""
        layer = layers.AdditiveAttention(use_scale=use_scale)
        model = model_of(layer, (5, 6), (7, 6), call=lambda layer, inputs: layer(inputs))
        report = lstmdoc.explain(model)
        assert report.derived_params == model.count_params() == (6 if use_scale else 0)
