"""A :class:`~lstmdoc.report.table.Table` as plain text, for a terminal.

Layout only: every word and number is in the table already. Nested rows are
indented beneath the row that holds them; numbers are set right.
"""

from __future__ import annotations

from lstmdoc.report.table import Line, Table

__all__ = ["render"]

_INDENT = "  "


def render(table: Table) -> str:
    """Return the table as lines of text: title, table, then the sentences."""
    if table.total is None:
        return "\n".join([table.title, "", *table.sentences])
    header = ("layer", "class", *(column.title for column in table.columns))
    numeric = (False, False, *(column.numeric for column in table.columns))
    rows = [header, *(_cells(line) for line in table.lines), _cells(table.total)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]

    def text(row: tuple[str, ...]) -> str:
        cells = [
            f"{cell:>{width}}" if right else f"{cell:<{width}}"
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ]
        return ("  " + "  ".join(cells)).rstrip()

    body = [text(row) for row in rows]
    rule = "  " + "-" * (max(len(line) for line in body) - 2)
    return "\n".join(
        [table.title, "", body[0], rule, *body[1:-1], rule, body[-1], "", *table.sentences]
    )


def _cells(line: Line) -> tuple[str, ...]:
    return (_INDENT * line.depth + line.name, line.kind, *line.cells)
