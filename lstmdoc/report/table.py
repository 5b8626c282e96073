"""A report as it is shown: a title, columns of text, lines and sentences, for any output.

:mod:`lstmdoc.report.presentation` decides what a report shows; :mod:`lstmdoc.report.text`
and :mod:`lstmdoc.report.html` only lay a :class:`Table` out, so the terminal and a
notebook show the same words and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Column", "Line", "Table"]


@dataclass(frozen=True)
class Column:
    """One column after the layer's name and class.

    Attributes:
        key: what it shows, one of :data:`lstmdoc.report.presentation.COLUMNS`, such as
            ``"formula"``, ``"params"``, ``"check"`` or ``"mult_adds"``.
        title: its heading, such as ``"formula"`` or ``"Keras"``.
        numeric: whether its cells are numbers (set right-aligned).
        wraps: whether a long cell may break onto more lines (a formula).
    """

    key: str
    title: str
    numeric: bool = False
    wraps: bool = False


@dataclass(frozen=True)
class Line:
    """One line of the table: a layer, or the total.

    Attributes:
        name: the layer's name, as shown (the last part of its path when nested).
        kind: its class, such as ``"LSTM"``; empty for the total.
        cells: one text per :class:`Column`.
        depth: how deep it nests (0 for the model's own layers).
        alarm: the text to stress in place of the check cell, where it differs.
    """

    name: str
    kind: str
    cells: tuple[str, ...]
    depth: int = 0
    alarm: str | None = None


@dataclass(frozen=True)
class Table:
    """What a report shows.

    Attributes:
        title: the first line: the model, its total and the trainable split.
        columns: the columns after the name and class.
        lines: the layers, in display order.
        total: the line of totals, or ``None`` when there are no layers.
        sentences: what is said beneath: the optimizer, notes and the verdict.
        legend: each class's formula in words, once: ``(class, words)`` pairs.
    """

    title: str
    columns: tuple[Column, ...]
    lines: tuple[Line, ...]
    total: Line | None
    sentences: tuple[str, ...]
    legend: tuple[tuple[str, str], ...] = ()
