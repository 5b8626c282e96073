"""Rules for Keras' core layers: Dense, EinsumDense, Embedding, and the plain wrappers.

Read off ``keras/src/layers/core/`` (``dense.py``, ``einsum_dense.py``,
``embedding.py``, ``wrapper.py``), ``keras/src/layers/pipeline.py`` and keras-hub's
``ReversibleEmbedding``. ``Dense`` and ``Embedding`` count by their families in
:mod:`lstmdoc.counting.families`, the same as ``lstmdoc count`` prints, and so do
their mult-adds: a Dense's kernel applies at each position of its input (each time
step of a sequence), an embedding looks its vectors up and multiplies nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from lstmdoc.counting import breakdown
from lstmdoc.counting.breakdowns import Weight
from lstmdoc.counting.formulas import shape_formula
from lstmdoc.keras import costs
from lstmdoc.keras.einsum import einsum_dense_shapes
from lstmdoc.keras.specs import Rule, Shapes, lora_rank, spec_of, sublayer, with_lora
from lstmdoc.report.costs import family_cost
from lstmdoc.report.rules import Cost, Derivation

__all__ = ["LAYER_RULES", "only", "plus"]


def _dense(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    features, units = int(shapes.first[-1]), int(config["units"])
    positions, per = costs.positions(shapes.first)
    counted = breakdown(
        "dense",
        units=units,
        features=features,
        positions=positions,
        use_bias=bool(config["use_bias"]),
    )
    rank = lora_rank(config)
    # With LoRA the full kernel is frozen, and the low-rank factors train instead.
    weights = [replace(w, trainable=w.name != "kernel" or not rank) for w in counted.weights]
    derived = with_lora(
        weights, counted.substituted, rank, "lora_kernel", features, units, counted.formula
    )
    cost = costs.lora(family_cost(counted, per), rank, features, units)
    return replace(derived, cost=cost)


def _embedding(config: Mapping[str, Any], _shapes: Shapes) -> Derivation:
    rows, columns = int(config["input_dim"]), int(config["output_dim"])
    counted = breakdown("embedding", input_dim=rows, output_dim=columns)
    rank = lora_rank(config)
    weights = [replace(weight, trainable=not rank) for weight in counted.weights]
    formula, legend = counted.substituted, counted.formula
    if config.get("tie_weights") is False:  # ReversibleEmbedding's own output projection
        weights.append(Weight("reverse_embeddings", (columns, rows), True))
        formula, legend = f"2 × {formula}", f"2 × {legend} (and its own output projection)"
    derived = with_lora(weights, formula, rank, "lora_embeddings", rows, columns, legend)
    if config.get("tie_weights") is not None:  # ReversibleEmbedding: reverse=True multiplies
        return derived
    return replace(derived, cost=costs.lora(family_cost(counted), rank, rows, columns))


def _einsum_dense(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    kernel, bias = einsum_dense_shapes(
        str(config["equation"]), config.get("bias_axes"), shapes.first, config["output_shape"]
    )
    rank = lora_rank(config)
    equation = str(config["equation"])
    # One multiply-add for every combination of the equation's sizes.
    sizes, open_axis = costs.einsum_mult_adds(equation, shapes.first, kernel)
    per = (costs.STEP if len(shapes.first) == 3 else "position") if open_axis else None
    cost: Cost | None = Cost(math.prod(sizes), shape_formula(sizes), per)
    weights = [Weight("kernel", kernel, not rank)]
    terms = [shape_formula(kernel)]
    if bias is not None:
        weights.append(Weight("bias", bias, True))
        terms.append(shape_formula(bias))
    if rank:
        weights += [
            Weight("lora_kernel_a", (*kernel[:-1], rank), True),
            Weight("lora_kernel_b", (rank, kernel[-1]), True),
        ]
        terms.append(f"{rank} × ({shape_formula(kernel[:-1])} + {kernel[-1]})")
    cost = costs.lora(cost, rank, math.prod(kernel[:-1]), kernel[-1])
    return Derivation(tuple(weights), " + ".join(terms), cost=cost)


def _wrapper(config: Mapping[str, Any], shapes: Shapes) -> Derivation:
    inner = sublayer(config["layer"], shapes.first)
    return Derivation(children=(inner,), compose=only, label=f"Wrapper({inner.class_name})")


def _pipeline(config: Mapping[str, Any], _shapes: Shapes) -> Derivation:
    # Each layer keeps the input shape it was built on in its own build_config.
    return Derivation(children=tuple(spec_of(layer) for layer in config["layers"]), compose=plus)


def only(formulas: Sequence[str]) -> str:
    """The formula of a wrapper of one layer: that layer's."""
    return formulas[0]


def plus(formulas: Sequence[str]) -> str:
    """The formula of a layer that holds several: theirs, added."""
    return " + ".join(formulas)


LAYER_RULES: dict[str, Rule] = {
    "Dense": _dense,
    "EinsumDense": _einsum_dense,
    "Embedding": _embedding,
    "ReversibleEmbedding": _embedding,
    "Wrapper": _wrapper,
    "Pipeline": _pipeline,
}
"""The rules of Keras' core layers, by class name."""
