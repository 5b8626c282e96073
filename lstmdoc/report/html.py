"""A :class:`~lstmdoc.report.table.Table` as HTML, for a notebook or a page, at any width.

Layout only: every word and number is in the table already. Each layer's class sits
under its name; the formula has a column of its own where there is room and moves
under the name where there is not, so that on a phone a row's count stays in view
beside its name. The styles travel with the table (a ``<style>`` scoped to it, and
a container query on its own width), so it reads the same in JupyterLab, VS Code,
a classic notebook or the docs site, in light and dark themes: it inherits the
page's colours and only mixes them.
"""

from __future__ import annotations

import html

from lstmdoc._checks import shown
from lstmdoc.report.table import Column, Table

__all__ = ["STYLE", "render"]

# Scoped to .lstmdoc-report. Wide (the default): a table with a formula column. Narrow
# (under 36em of the report's own width): each row a small grid, the name and the
# count on its first line, the formula, then the other numbers, labelled, beneath.
# The table's rules are written on "table.lstmdoc-table" so that they outrank a
# notebook's own table styles: JupyterLab right-aligns every cell with
# ":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td" and fixes the table's layout.
_T = ".lstmdoc-report table.lstmdoc-table"
STYLE = f"""
.lstmdoc-report {{ container-type: inline-size; max-width: 100%; }}
{_T} {{ border-collapse: collapse; font-size: 90%; margin: 0.5em 0; table-layout: auto;
  min-width: min(100%, 30em); font-variant-numeric: tabular-nums; color: inherit; }}
{_T} caption {{ caption-side: top; text-align: left; padding: 0 0.5em 0.4em; color: inherit; }}
{_T} th, {_T} td {{ padding: 0.15em 0.5em; text-align: left; vertical-align: top;
  line-height: 1.4; border: 0; border-bottom: 1px solid color-mix(in srgb, currentColor 15%,
  transparent); }}
{_T} tr {{ background: transparent; }}
{_T} .n {{ text-align: right; white-space: nowrap; }}
{_T} .name {{ overflow-wrap: anywhere; min-width: 6em; }}
{_T} .kind {{ font-size: 85%; opacity: 0.75; }}
{_T} .formula {{ overflow-wrap: anywhere; }}
{_T} .alarm {{ font-weight: bold; }}
.lstmdoc-report .legend {{ font-size: 90%; margin: 0.3em 0; padding-left: 1.2em; }}
@container (max-width: 36em) {{
  {_T} thead {{ display: none; }}
  {_T}, {_T} caption, {_T} tbody, {_T} tfoot {{ display: block; }}
  {_T} tr {{ display: grid; grid-template-columns: 1fr auto; column-gap: 0.5em;
    padding: 0.3em 0; border-bottom: 1px solid color-mix(in srgb, currentColor 15%,
    transparent); }}
  {_T} td, {_T} th {{ border: 0; padding: 0 0.25em; }}
  {_T} .name {{ grid-column: 1; grid-row: 1; }}
  {_T} .c-params {{ grid-column: 2; grid-row: 1; font-weight: bold; }}
  {_T} .formula {{ grid-column: 1 / -1; font-size: 90%; }}
  {_T} td.more {{ grid-column: 1 / -1; text-align: left; font-size: 85%; }}
  {_T} td.more::before {{ content: attr(data-label) ": "; opacity: 0.75; }}
  {_T} td.more:empty {{ display: none; }}
}}
"""


def render(table: Table) -> str:
    """Return the table as HTML: its caption the title, its legend and sentences beneath."""
    notes = "".join(f"<p>{_text(text)}</p>" for text in table.sentences)
    style = f"<style>{STYLE}</style>"
    if table.total is None:
        return f'<div class="lstmdoc-report">{style}<p>{_text(table.title)}</p>{notes}</div>'
    head = "".join(
        f'<th scope="col" class="{_classes(column)}">{_text(column.title)}</th>'
        for column in (Column("name", "layer"), *table.columns)
    )
    body = "".join(
        _row(line.name, line.kind, line.cells, table.columns, line.depth, line.alarm)
        for line in table.lines
    )
    foot = _row(table.total.name, "", table.total.cells, table.columns, 0, None, tag="th")
    legend = (
        '<ul class="legend">'
        + "".join(f"<li>{_text(kind)}: {_text(words)}</li>" for kind, words in table.legend)
        + "</ul>"
        if table.legend
        else ""
    )
    return (
        f'<div class="lstmdoc-report">{style}<table class="lstmdoc-table"><caption>{_text(table.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody><tfoot>{foot}</tfoot></table>"
        f"{_legend_intro(legend)}{legend}{notes}</div>"
    )


# --- private helpers ----------------------------------------------------------------


def _row(
    name: str,
    kind: str,
    cells: tuple[str, ...],
    columns: tuple[Column, ...],
    depth: int,
    alarm: str | None,
    *,
    tag: str = "td",
) -> str:
    indent = f' style="padding-left: {0.5 + 1.5 * depth:g}em"' if depth else ""
    label = f'<span class="kind">{_text(kind)}</span>' if kind else ""
    first = (
        f'<{tag} class="name"{indent}>{_breakable_name(_text(name))}'
        f"{'<br>' if label else ''}{label}</{tag}>"
    )
    rest = []
    for column, cell in zip(columns, cells, strict=True):
        text = _text(cell)
        if column.key == "check" and alarm:
            text = f'<span class="alarm">{_text(alarm)}</span>'
        elif column.wraps:
            text = _breakable_between_terms(text)
        kept = column.key in {"formula", "params"}
        rest.append(
            f'<td class="{_classes(column)}{"" if kept else " more"}" '
            f'data-label="{_text(column.title)}">{text}</td>'
        )
    return f"<tr>{first}{''.join(rest)}</tr>"


def _classes(column: Column) -> str:
    return (
        f"c-{column.key}"
        + (" n" if column.numeric else "")
        + (" formula" if column.key == "formula" else "")
    )


def _legend_intro(legend: str) -> str:
    return "<p>The formulas in words:</p>" if legend else ""


def _text(text: str) -> str:
    return html.escape(shown(text))


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
