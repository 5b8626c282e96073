"""The formulas both frameworks share, one per shape family, and how formulas are written.

A Keras ``Dense`` and a PyTorch ``Linear``, or a ``Conv2D`` and a ``Conv2d``, count
the same way, so they print the same formula: each template below is written once
and read by the families (:mod:`lstmdoc.counting.families`) and by the rules that
are not families, through the functions beside it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from lstmdoc.counting import expressions
from lstmdoc.counting.family import Template

__all__ = [
    "AFFINE",
    "CONVOLUTION",
    "DENSE",
    "TABLE",
    "affine",
    "convolution",
    "dense",
    "grouped",
    "shape_formula",
    "summed",
    "table",
]

DENSE = Template("{outputs} × {'(' + str(inputs) + ' + 1)' if bias else inputs}")
"""``outputs × (inputs + 1)``: each output has a weight per input, and a bias."""

CONVOLUTION = Template(
    "{outputs} × {'(' if bias else ''}{join(window + [inputs // groups], ' × ')}"
    "{' + 1)' if bias else ''}"
)
"""``filters × (window × inputs per group + 1)``: each filter sees ``channels / groups``
inputs over the window, and has one bias."""

TABLE = Template("{rows} × {columns}")
"""``rows × columns``: one vector per row (an embedding)."""

AFFINE = Template(
    "{'0' if vectors == 0 else (str(vectors) + ' × ' if vectors > 1 else '') + join(shape, ' × ')}"
)
"""``n × width``: ``n`` learned vectors (a scale, a shift) as wide as what they normalize."""


def dense(outputs: int, inputs: int, *, bias: bool) -> str:
    """``outputs × (inputs + 1)``, or ``outputs × inputs`` without a bias."""
    return _render(DENSE, outputs=outputs, inputs=inputs, bias=bias)


def convolution(
    outputs: int, window: Sequence[int], inputs: int, *, groups: int = 1, bias: bool
) -> str:
    """``outputs × (window × inputs / groups + 1)``, with the groups worked out."""
    return _render(
        CONVOLUTION, outputs=outputs, window=list(window), inputs=inputs, groups=groups, bias=bias
    )


def table(rows: int, columns: int) -> str:
    """``rows × columns``."""
    return _render(TABLE, rows=rows, columns=columns)


def affine(vectors: int, shape: Sequence[int]) -> str:
    """``2 × 64`` for a scale and a shift of 64 values, ``64`` for one, ``0`` for none."""
    return _render(AFFINE, vectors=vectors, shape=list(shape))


def shape_formula(sizes: Sequence[int]) -> str:
    """``6 × 2 × 4`` for a shape, leaving out its 1s; ``1`` for a scalar."""
    factors = [str(size) for size in sizes if size != 1]
    return " × ".join(factors) or "1"


def grouped(formula: str) -> str:
    """Parenthesise a formula with a top-level ``+`` before it is multiplied.

    ``grouped("a + b")`` is ``"(a + b)"``; ``grouped("2 × (a + b)")`` is unchanged.
    """
    depth = 0
    for index, character in enumerate(formula):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and formula.startswith(" + ", index):
            return f"({formula})"
    return formula


def summed(counts: Sequence[int]) -> str:
    """A container's formula: the counts it adds, ``16,640 + 128``, or ``0`` for none."""
    return " + ".join(f"{count:,}" for count in counts) or "0"


@functools.cache
def _parsed(template: str) -> expressions.Tree:
    return expressions.parse_template(template)


def _render(template: str, **names: object) -> str:
    return expressions.render(_parsed(template), names)
