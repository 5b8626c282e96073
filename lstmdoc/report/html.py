"""A :class:`~lstmdoc.report.table.Table` as HTML, for a notebook or a page.

Layout only: every word and number is in the table already. Each layer's class sits
under its name, so that the table fits beside a notebook's or a page's text; the
styles are inline, so that the table reads the same in any notebook.
"""

from __future__ import annotations

import html

from lstmdoc.report.table import Column, Table

__all__ = ["render"]


def render(table: Table) -> str:
    """Return the table as an HTML table, its caption the title, its sentences beneath."""
    notes = "".join(f"<p>{html.escape(text)}</p>" for text in table.sentences)
    caption = "caption-side: top; text-align: left; padding: 0 0.5em 0.4em; color: inherit"
    if table.total is None:
        return f'<div class="lstmdoc-report"><p>{html.escape(table.title)}</p>{notes}</div>'
    layer = Column("layer", wraps=True)
    head = "".join(
        _cell(html.escape(column.title), column, "th") for column in (layer, *table.columns)
    )
    body = []
    for line in table.lines:
        cells = [
            _cell(
                f"{_breakable_name(html.escape(line.name))}<br>"
                f'<span style="font-size: 85%; opacity: 0.75">{html.escape(line.kind)}</span>',
                layer,
                depth=line.depth,
            )
        ]
        for column, text in zip(table.columns, line.cells, strict=True):
            shown = html.escape(text)
            if column.title == "check" and line.alarm:
                shown = f"<strong>{html.escape(line.alarm)}</strong>"
            elif column.wraps:
                shown = _breakable_between_terms(shown)
            cells.append(_cell(shown, column))
        body.append(f"<tr>{''.join(cells)}</tr>")
    foot = _cell(html.escape(table.total.name), layer, "th") + "".join(
        _cell(html.escape(text), column)
        for column, text in zip(table.columns, table.total.cells, strict=True)
    )
    return (
        '<div class="lstmdoc-report">'
        f'<table style="font-size: 90%"><caption style="{caption}">'
        f"{html.escape(table.title)}</caption>"
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody>"
        f"<tfoot><tr>{foot}</tr></tfoot></table>{notes}</div>"
    )


def _cell(text: str, column: Column, tag: str = "td", *, depth: int = 0) -> str:
    # Numbers right-aligned, nested rows indented, and lines broken only where they may
    # be (a header between words, a formula between its terms).
    align = "right" if column.numeric else "left"
    indent = f"; padding-left: {0.5 + 1.5 * depth:g}em" if depth else ""
    wrap = "normal" if tag == "th" or column.wraps else "nowrap"
    style = f"padding: 0.15em 0.5em; white-space: {wrap}; text-align: {align}{indent}"
    return f'<{tag} style="{style}">{text}</{tag}>'


def _breakable_between_terms(formula: str) -> str:
    """Keep a formula's innermost brackets whole: it may break only at a `` + `` outside
    them, as ``2 × (32 × (32 + 32 + 2) +`` then ``32 × (32 + 32 + 1)) + 32``."""
    depths, depth = [], 0
    for character in formula:
        depth += {"(": 1, ")": -1}.get(character, 0)
        depths.append(depth)
    outside = max(max(depths, default=0) - 1, 0)  # the deepest brackets never break
    return "".join(
        " "
        if depths[index] <= outside and formula[index - 1 : index + 1] == "+ "
        else "\u00a0"
        if character == " "
        else character
        for index, character in enumerate(formula)
    )


def _breakable_name(name: str) -> str:
    """Let a long layer name, such as ``token_and_position_embedding``, break after a ``_``."""
    return name.replace("_", "_<wbr>")
