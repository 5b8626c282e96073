"""What a row computes: its multiply-adds, from its rule's and from the rows beneath it.

A rule's :class:`~lstmdoc.report.rules.Derivation` may carry a
:class:`~lstmdoc.report.rules.Cost`: the multiply-adds of the matrix products and
convolutions the layer computes itself, for the shapes in its spec. The walk of
:mod:`lstmdoc.report.walk` asks this module for each row's: a layer's own cost
plus those of the layers it builds (or, where its rule says how, composed from
theirs), and a model's the sum of its layers'. What is not known stays ``None``,
and so does every sum it enters: a total is never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from lstmdoc.counting.breakdowns import ParamBreakdown
from lstmdoc.report.rows import LayerRow
from lstmdoc.report.rules import Cost, Derivation

__all__ = ["ZERO", "cost_of", "derived_cost", "family_cost", "summed_cost", "with_cost"]

ZERO = Cost(0, "0")
"""The cost of a layer that computes no matrix product: an activation, a pooling, a norm."""

_TERMS = 6  # a sum lists up to this many terms, then the first two and the last


def family_cost(counted: ParamBreakdown, per: str | None = None) -> Cost | None:
    """A family's mult-adds (:mod:`lstmdoc.counting.families`) as a rule's cost, if it has any.

    ``per``: what the figure is for where the shape left a size open (not said of 0).
    """
    if counted.mult_adds is None:
        return None
    return Cost(
        counted.mult_adds, counted.mult_adds_substituted, per if counted.mult_adds else None
    )


def cost_of(row: LayerRow) -> Cost | None:
    """A row's cost, as its rule or its sum gave it, or ``None`` where not derived."""
    if row.mult_adds is None:
        return None
    return Cost(row.mult_adds, row.mult_adds_formula or f"{row.mult_adds:,}", row.mult_adds_per)


def with_cost(row: LayerRow, cost: Cost | None) -> LayerRow:
    """The row with ``cost`` (``None``: not derived)."""
    if cost is None:
        return replace(row, mult_adds=None, mult_adds_formula=None, mult_adds_per=None)
    return replace(
        row, mult_adds=cost.mult_adds, mult_adds_formula=cost.formula, mult_adds_per=cost.per
    )


def derived_cost(
    derivation: Derivation,
    built: Sequence[LayerRow],
    added: Sequence[LayerRow],
    *,
    adds_weights: bool,
) -> Cost | None:
    """The cost of a layer with a rule: its own, and that of the layers it builds.

    Args:
        derivation: the layer's derivation.
        built: the rows of the layers its rule builds, in order.
        added: the rows of the layers a subclass holds beyond its base class's.
        adds_weights: whether a subclass creates weights of its own, whose use no
            rule knows: its cost is then not derived.
    """
    if adds_weights:
        return None
    inner = [cost_of(row) for row in built]
    extra = [cost_of(row) for row in added]
    known = [cost for cost in inner if cost is not None]
    if len(known) < len(inner) or None in extra:
        return None
    if derivation.cost_compose is not None:
        cost: Cost | None = derivation.cost_compose(known)
    elif inner:
        own = [derivation.cost] if derivation.cost is not None else []
        if not own and derivation.weights:
            return None  # weights of its own that the rule computes nothing with
        cost = summed_cost([*own, *known], keep_one=True)
    else:
        cost = derivation.cost
    if cost is None or not extra:
        return cost
    return summed_cost([cost, *(cost for cost in extra if cost is not None)], keep_one=True)


def summed_cost(costs: Sequence[Cost | None], *, keep_one: bool = False) -> Cost | None:
    """The cost of several layers, one after another: theirs added, ``None`` if one is unknown.

    Figures for different things (one per time step, another per sample) do not add
    up to a figure: their sum is ``None`` too. The formula lists each term's value,
    as a container's count does; one term alone, with ``keep_one``, keeps its own
    formula (a wrapper's is its layer's).
    """
    if any(cost is None for cost in costs):
        return None
    known = [cost for cost in costs if cost is not None]
    pers = {cost.per for cost in known if cost.mult_adds}
    if len(pers) > 1:
        return None
    per = pers.pop() if pers else None
    total = sum(cost.mult_adds for cost in known)
    if keep_one and len(known) == 1:
        return known[0]
    terms = [cost.mult_adds for cost in known if cost.mult_adds]
    if len(terms) > _TERMS:
        formula = f"{len(terms)} terms: {terms[0]:,} + {terms[1]:,} + … + {terms[-1]:,}"
    else:
        formula = " + ".join(f"{term:,}" for term in terms) or "0"
    return Cost(total, formula, per)
