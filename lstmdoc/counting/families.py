"""The layer families readers count most, as data: one home for each formula.

Each family lists a layer's arguments, by the framework's own names, and the weights
it creates, in the framework's order, with their shapes as expressions
(:mod:`lstmdoc.counting.expressions`). ``lstmdoc count`` evaluates them, the home
page's calculator evaluates the very same expressions in JavaScript, and the rules
of :func:`lstmdoc.explain` for these classes (``lstmdoc.keras`` and
``lstmdoc.pytorch``) call them, so a formula is written once, here.

Keras' families are in :mod:`lstmdoc.counting.keras_families`, PyTorch's in
:mod:`lstmdoc.counting.torch_families`. Where the mathematics is the same in both
frameworks, the formula is too: a ``Dense`` and a ``Linear``, or a ``Conv2D`` and a
``Conv2d``, print the same formula from the same template of
:mod:`lstmdoc.counting.formulas`.
"""

from __future__ import annotations

from lstmdoc.counting.family import Family
from lstmdoc.counting.keras_families import KERAS_FAMILIES, KERAS_RECURRENT
from lstmdoc.counting.torch_families import TORCH_FAMILIES, TORCH_RECURRENT

__all__ = ["FAMILIES", "KERAS_RECURRENT", "TORCH_RECURRENT"]

FAMILIES: dict[str, Family] = {family.key: family for family in (*KERAS_FAMILIES, *TORCH_FAMILIES)}
"""Every family, by its ``lstmdoc count`` name: Keras' first, then PyTorch's (``torch-...``)."""
