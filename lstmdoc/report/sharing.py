"""Weights counted once, as the frameworks count them: where each first appears, in display order.

A model can hold one weight in several places: GPT-2's output layer is its token
embedding (tied weights), and a layer or module can sit in two parents. Keras'
``count_params()`` and PyTorch's ``parameters()`` count such a weight once. The walk
(:mod:`lstmdoc.report.walk`) claims each of the framework's tensors for the first row
that holds it, in display order; a later row that holds it adds nothing, and says
where it lives. :class:`Claims` keeps that record.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

__all__ = ["Claims", "Tensors"]

Tensors = Iterable[tuple[Hashable, int]]
"""A layer's framework tensors: each one's identity and its number of values."""


@dataclass
class Claims:
    """The tensors counted so far, each with the order it was first met in and its owner."""

    _order: dict[Hashable, int] = field(default_factory=dict)
    _owner: dict[Hashable, str] = field(default_factory=dict)

    def mark(self) -> int:
        """How many tensors are claimed so far: where a subtree's claims start."""
        return len(self._order)

    def owner(self, key: Hashable | None) -> str | None:
        """Where the tensor ``key`` was first counted, or ``None`` if it was not yet."""
        return None if key is None else self._owner.get(key)

    def claim(self, key: Hashable | None, owner: str) -> None:
        """Count the tensor ``key`` at ``owner``, unless it was counted before."""
        if key is not None and key not in self._order:
            self._order[key] = len(self._order)
            self._owner[key] = owner

    def counted_since(self, start: int, tensors: Tensors, owner: str) -> int:
        """The values of ``tensors`` first counted since ``start``, claiming the rest at ``owner``.

        A subtree's framework count, as the framework would give it for a model that
        held everything displayed before it: each of its tensors counted once, unless a
        row before it counted it already.
        """
        total = 0
        for key, size in tensors:
            self.claim(key, owner)
            if self._order[key] >= start:
                total += size
        return total
