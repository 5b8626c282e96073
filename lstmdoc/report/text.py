"""A :class:`~lstmdoc.report.table.Table` as plain text, for a terminal, fitted to its width.

Layout only: every word and number is in the table already. Nested rows are
indented beneath the row that holds them; numbers are set right. Given a width
(a terminal's, 80 where unknown), nothing is lost and nothing passes the edge:
the formula wraps onto the lines below its row, a long name or class is cut with
an ellipsis, and the sentences beneath are wrapped. Everything a file could put in
a name is shown escaped (``lstmdoc._checks.shown``).
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from typing import Any

from lstmdoc._checks import shown
from lstmdoc.report.table import Table

__all__ = ["render", "terminal_width"]

_INDENT = "  "
_GAP = 2  # spaces between columns, and before the first
# The order the table gives way in, until it fits: the formula wraps first, since
# nothing of it is lost; then a class and a name are cut short; then the trainable
# count goes (it is lstmdoc's count less the non-trainable one), the headings wrap,
# and everything narrows further.
_STAGES: tuple[tuple[str, int], ...] = (
    ("formula", 28),
    ("mult_adds_formula", 28),
    ("class", 16),
    ("name", 18),
    ("drop trainable", 0),
    ("formula", 16),
    ("mult_adds_formula", 16),
    ("class", 10),
    ("name", 12),
    ("wrap headings", 0),
    ("check", 8),
    ("formula", 10),
    ("mult_adds_formula", 10),
    ("class", 6),
    ("name", 8),
    ("formula", 8),
    ("mult_adds_formula", 8),
    ("name", 6),
    ("class", 5),
)
_FORMULAS = {"formula", "mult_adds_formula"}  # the columns that wrap between their terms


def terminal_width() -> int:
    """The terminal's width in columns: ``COLUMNS`` if set, else the terminal's, else 80."""
    return shutil.get_terminal_size((80, 24)).columns


def render(table: Table, width: int | None = None) -> str:
    """Return the table as text: title, table, legend, then the sentences.

    Args:
        table: what to show.
        width: the columns to fit in; ``None`` for no limit (every cell whole).
    """
    title = _wrapped(shown(table.title), width)
    sentences = [line for text in table.sentences for line in _wrapped(shown(text), width)]
    if table.total is None:
        return "\n".join([*title, "", *sentences])
    kinds = ["name", "class", *(column.key for column in table.columns)]
    header = ["layer", "class", *(shown(column.title) for column in table.columns)]
    right = [False, False, *(column.numeric for column in table.columns)]
    lines = [*table.lines, table.total]
    cells = [[_INDENT * line.depth + shown(line.name), shown(line.kind), *map(shown, line.cells)]
             for line in lines]  # fmt: skip
    widths = [max(len(row[column]) for row in [header, *cells]) for column in range(len(kinds))]
    for stage, narrowest in _STAGES:
        if width is None:
            break
        excess = _GAP * len(widths) + sum(widths) - width
        if excess <= 0:
            break
        if stage == "drop trainable" and {"trainable", "non_trainable"} <= set(kinds):
            drop = kinds.index("trainable")
            every: list[list[Any]] = [kinds, header, right, widths, *cells]
            for values in every:
                del values[drop]
        elif stage == "wrap headings":  # a heading may take two lines: non- / trainable
            for column, kind in enumerate(kinds):
                if kind not in {"name", "class", *_FORMULAS}:
                    widest = max(len(row[column]) for row in cells)
                    words = header[column].replace("-", "- ").split()
                    widths[column] = max(widest, *map(len, words))
        elif stage in kinds:
            column = kinds.index(stage)
            floor = max(narrowest, len(header[column]) if stage in {"name", "class"} else 0)
            widths[column] = max(floor, min(widths[column], widths[column] - excess))
    body = _heading(header, widths, right)
    body += [line for row in cells[:-1] for line in _row(row, widths, kinds, right)]
    total = _row(cells[-1], widths, kinds, right)
    heading = len(_heading(header, widths, right))
    rule = "  " + "-" * (max(len(text) for text in [*body, *total]) - 2)
    legend = _legend(table, width)
    return "\n".join(
        [*title, "", *body[:heading], rule, *body[heading:], rule, *total, "", *legend, *sentences]
    )


# --- private helpers ----------------------------------------------------------------


def _heading(header: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> list[str]:
    """The headings, each wrapped into its column (``non-`` then ``trainable``)."""
    split = [
        textwrap.wrap(title.replace("-", "- "), width) or [""] if len(title) > width else [title]
        for title, width in zip(header, widths, strict=True)
    ]
    split = [[part.replace("- ", "-") for part in parts] for parts in split]
    height = max(len(parts) for parts in split)
    lines = []
    for index in range(height):
        parts = [
            (column[index] if index < len(column) else "").rjust(width)
            if flush_right
            else (column[index] if index < len(column) else "").ljust(width)
            for column, width, flush_right in zip(split, widths, right, strict=True)
        ]
        lines.append(("  " + "  ".join(parts)).rstrip())
    return lines


def _row(
    cells: Sequence[str], widths: Sequence[int], kinds: Sequence[str], right: Sequence[bool]
) -> list[str]:
    """One table row as lines: the formula wrapped beneath, names and classes cut short."""
    columns: list[list[str]] = []
    for cell, width, kind in zip(cells, widths, kinds, strict=True):
        if kind in {*_FORMULAS, "check"} and len(cell) > width:
            columns.append(_wrap_formula(cell, width))
        elif len(cell) > width and kind == "name":
            columns.append([_middle_cut(cell, width)])
        elif len(cell) > width:
            columns.append([cell[: width - 1] + "…"])
        else:
            columns.append([cell])
    height = max(len(column) for column in columns)
    lines = []
    for index in range(height):
        parts = []
        for column, width, flush_right in zip(columns, widths, right, strict=True):
            text = column[index] if index < len(column) else ""
            parts.append(f"{text:>{width}}" if flush_right else f"{text:<{width}}")
        lines.append(("  " + "  ".join(parts)).rstrip())
    return lines


def _middle_cut(name: str, width: int) -> str:
    """A name cut in its middle, its indent and its end kept: ``block_1_…ject_BN``."""
    indent = len(name) - len(name.lstrip(" "))
    keep = width - indent - 1
    head = (keep + 1) // 2
    return name[: indent + head] + "…" + name[len(name) - (keep - head) :]


def _wrap_formula(formula: str, width: int) -> list[str]:
    """A formula broken between its terms where it can be, else between factors."""
    pieces = formula.split(" + ")
    lines: list[str] = []
    current = ""
    for index, piece in enumerate(pieces):
        term = piece if index == 0 else f"+ {piece}"
        candidate = f"{current} {term}" if current else term
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = term
        while len(current) > width:  # one term wider than the column: break at spaces
            wrapped = textwrap.wrap(current, width, break_on_hyphens=False, break_long_words=False)
            if len(wrapped) == 1:
                break  # one number wider than the column: it stays whole
            lines += wrapped[:-1]
            current = wrapped[-1]
    if current:
        lines.append(current)
    return lines


def _legend(table: Table, width: int | None) -> list[str]:
    """Each class's formula in words, once, beneath the table."""
    if not table.legend:
        return []
    lines = ["The formulas in words:"]
    for kind, words in table.legend:
        lines += _wrapped(f"{shown(kind)}: {shown(words)}", width, indent="  ", hang="    ")
    return [*lines, ""]


def _wrapped(text: str, width: int | None, *, indent: str = "", hang: str = "") -> list[str]:
    if width is None:
        return [indent + text]
    return textwrap.wrap(
        text,
        max(width, 20),
        initial_indent=indent,
        subsequent_indent=hang or indent,
        break_on_hyphens=False,
        break_long_words=True,
    ) or [""]
