"""Rules for Keras' attention layers: MultiHeadAttention, GroupedQueryAttention and the rest.

Read off ``keras/src/layers/attention/`` (``multi_head_attention.py``,
``grouped_query_attention.py``, ``attention.py``, ``additive_attention.py``).
The attention layers own no weight directly: they build ``EinsumDense``
projections, each explained beneath them. ``MultiHeadAttention``'s formula is its
family's in :mod:`lstmdoc.counting.families`, as ``lstmdoc count`` prints it.
Their mult-adds are their projections', and the two products of attention itself:
the scores, each query position against each key position (``QKᵀ``), and the
values weighted by them (weights × V), for every head. Where the query's or the
key's length is ``None`` these grow with the product of both, so no figure per
step is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lstmdoc.counting import breakdown
from lstmdoc.counting.breakdowns import Weight
from lstmdoc.keras.einsum import einsum_spec, projection_equation
from lstmdoc.keras.specs import Rule, Shape, Shapes, ints, shape
from lstmdoc.report.costs import summed_cost
from lstmdoc.report.rules import Cost, Derivation, Spec

__all__ = ["LAYER_RULES"]


def _multi_head_attention(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    query = shapes.get("query_shape") or shapes.first
    value = shapes.get("value_shape") or query
    key = shapes.get("key_shape") or value
    heads, key_dim = int(config["num_heads"]), int(config["key_dim"])
    value_dim = int(config["value_dim"] or key_dim)
    bias, gate = bool(config["use_bias"]), bool(config.get("use_gate"))
    output = config.get("output_shape")
    output = (
        [int(query[-1])] if not output else ints([output] if isinstance(output, int) else output)
    )

    def projection(name: str, input_shape: Shape, last: list[int]) -> Spec:
        equation, bias_axes, rank = projection_equation(len(input_shape) - 1, 1, 2)
        return einsum_spec(
            name, equation, [None] * (rank - 1 - 2) + last, bias_axes, bias, input_shape
        )

    children = [
        projection("query", query, [heads, key_dim]),
        projection("key", key, [heads, key_dim]),
    ]
    if gate:
        children.append(projection("gate", query, [heads, value_dim]))
    children.append(projection("value", value, [heads, value_dim]))
    equation, bias_axes, rank = projection_equation(len(query) - 1, 2, len(output))
    children.append(
        einsum_spec(
            "attention_output",
            equation,
            [None] * (rank - 1 - len(output)) + list(output),
            bias_axes,
            bias,
            (*query[:-1], heads, value_dim),
        )
    )
    counted = breakdown(
        "multi-head-attention",
        num_heads=heads,
        key_dim=key_dim,
        value_dim=value_dim,
        query_features=int(query[-1]),
        key_features=int(key[-1]),
        value_features=int(value[-1]),
        output_features=math.prod(output),
        use_bias=bias,
        use_gate=gate,
    )
    axes = config.get("attention_axes")
    return Derivation(
        children=tuple(children),
        compose=lambda _formulas: counted.substituted,
        legend=counted.formula,
        cost_compose=_attention_products(query, key, axes, heads, key_dim + value_dim),
    )


def _grouped_query_attention(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    query = shapes.get("query_shape") or shapes.first
    value = shapes.get("value_shape") or query
    key = shapes.get("key_shape") or value
    head_dim = int(config["head_dim"])
    query_heads, kv_heads = int(config["num_query_heads"]), int(config["num_key_value_heads"])
    bias, gate = bool(config["use_bias"]), bool(config.get("use_gate"))
    features = int(query[-1])
    query_side = (None, query_heads, head_dim)
    children = [einsum_spec("query", "bqm,muh->bquh", query_side, "uh", bias, query)]
    children.append(
        einsum_spec("key", "bkm,mvh->bkvh", (None, kv_heads, head_dim), "vh", bias, key)
    )
    if gate:
        children.append(einsum_spec("gate", "bqm,muh->bquh", query_side, "uh", bias, query))
    children.append(
        einsum_spec("value", "bkm,mvh->bkvh", (None, kv_heads, head_dim), "vh", bias, value)
    )
    children.append(
        einsum_spec(
            "attention_output",
            "bquh,uhm->bqm",
            (None, features),
            "m",
            bias,
            (None, *query[1:-1], query_heads, head_dim),  # every query position's heads
        )
    )
    # The query heads project the query (and the gate) in and the output out; the
    # key-value heads, fewer, project key and value.
    projections = 3 if gate else 2
    query_terms = " + ".join(
        [str(features)] * projections + (["1"] * (projections - 1) if bias else [])
    )
    kv_terms = f"{int(key[-1])} + {int(value[-1])}" + (" + 2" if bias else "")
    formula = (
        f"{query_heads} × {head_dim} × ({query_terms}) + {kv_heads} × {head_dim} × ({kv_terms})"
    )
    if bias:
        formula += f" + {features}"
    # Keras repeats each key and value head for the query heads that share it.
    products = _attention_products(query, key, None, query_heads, 2 * head_dim)
    return Derivation(
        children=tuple(children), compose=lambda _formulas: formula, cost_compose=products
    )


def _attention_products(
    query: Shape, key: Shape, axes: Any, heads: int, width: int
) -> Callable[[Sequence[Cost]], Cost | None]:
    """The projections' costs, then QKᵀ and weights × V: ``heads × T × S × (key_dim + value_dim)``.

    ``axes``: MultiHeadAttention's ``attention_axes``, the axes attended over (all
    between the batch and the features by default); the others are batch-like.
    """
    rank = len(query)
    attended = range(1, rank - 1) if axes is None else [a % rank for a in ints(_listed(axes))]
    others = [axis for axis in range(1, rank - 1) if axis not in attended]
    sizes = [query[a] for a in others] + [query[a] for a in attended] + [key[a] for a in attended]

    def compose(projections: Sequence[Cost]) -> Cost | None:
        if None in sizes:
            return None  # per step of a length, attention grows with the other length
        factors = [int(size) for size in sizes if size != 1]
        products = Cost(
            heads * math.prod(factors) * width,
            " × ".join(map(str, [heads, *factors, width])) + " (QKᵀ and weights × V)",
        )
        return summed_cost([*projections, products])

    return compose


def _listed(value: Any) -> list[Any]:
    return [value] if isinstance(value, int) else list(value)


def _attention(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    weights = []
    if config["use_scale"]:
        weights.append(Weight("scale", (), True))
    if config["score_mode"] == "concat":
        weights.append(Weight("concat_score_weight", (), True))
    # Dot scores are query @ keyᵀ; concat scores are elementwise (a sum of tanh).
    cost = _weighted_values(shapes, scores=config["score_mode"] == "dot")
    return Derivation(tuple(weights), " + ".join(["1"] * len(weights)) or "0", cost=cost)


def _additive_attention(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    cost = _weighted_values(shapes, scores=False)  # additive scores are elementwise
    if not config["use_scale"]:
        return Derivation(formula="0", cost=cost)
    features = int(shape(shapes.first[0])[-1])  # built on [query, value(, key)]: the query's
    return Derivation((Weight("scale", (features,), True),), f"{features}", cost=cost)


def _weighted_values(shapes: Shapes, *, scores: bool) -> Cost | None:
    """Keras' ``Attention`` and ``AdditiveAttention``: weights @ value (and query @ keyᵀ)."""
    inputs = [shape(item) for item in shapes.first]  # built on [query, value(, key)]
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) > 2 else value
    sizes = [query[1], value[1]]
    if None in sizes or len(query) != 3:
        return None
    steps, length = int(query[1]), int(value[1])
    terms = [(steps, length, int(value[-1]))]
    if scores:
        terms.insert(0, (steps, length, int(key[-1])))
    return Cost(
        sum(math.prod(term) for term in terms),
        " + ".join(" × ".join(map(str, term)) for term in terms),
    )


LAYER_RULES: dict[str, Rule] = {
    "MultiHeadAttention": _multi_head_attention,
    "GroupedQueryAttention": _grouped_query_attention,
    "Attention": _attention,
    "AdditiveAttention": _additive_attention,
}
"""The rules of Keras' attention layers, by class name."""
