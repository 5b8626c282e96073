"""A :class:`~lstmdoc.report.ModelReport` as a plain-text table and as an HTML table.

Rendering only: every number and word shown here is in the report already, so the
terminal, the notebook and the JSON of ``report.to_dict()`` can never disagree.
Nested rows are indented beneath the row that holds them. A report with buffers
(PyTorch's running statistics) gets a ``buffers`` column, beside the check.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lstmdoc.report import LayerRow, ModelReport, OptimizerRow

__all__ = ["html_table", "text", "title", "verdict"]

_INDENT = "  "
_NUMBER_COLUMNS = {"lstmdoc", "trainable", "non-trainable", "buffers"}
# How the verdict names the weights a custom layer creates itself, by their class column.
_DECLARED = {
    "add_weight": "created by a custom layer with add_weight",
    "nn.Parameter": "a custom module's own nn.Parameter",
    "tensor": "tensors of a module whose class a state_dict does not name",
}


def title(report: ModelReport) -> str:
    """Return the report's first line: the model, its total and the trainable split."""
    source = f" (from {report.source})" if report.source else ""
    total = report.derived_params
    trainable, frozen = report.trainable_params, report.non_trainable_params
    if total is None or trainable is None or frozen is None:
        known = "-" if report.total_params is None else f"{report.total_params:,}"
        return (
            f"Model {report.model!r}{source}: {known} parameters "
            f"({_possessive(report.framework)} count)"
        )
    buffers = report.buffer_size
    kept = f"; {buffers:,} buffer values, not counted" if buffers else ""
    return (
        f"Model {report.model!r}{source}: {total:,} parameters "
        f"({trainable:,} trainable, {frozen:,} non-trainable){kept}"
    )


def verdict(report: ModelReport) -> list[str]:
    """Return the sentences under the table: disagreements, gaps, notes, or that all agree."""
    framework = _possessive(report.framework)
    if not report.rows:
        return ["No layer owns weights."]
    lines = []
    if report.disagreements:
        details = ", ".join(
            f"{row.name} (lstmdoc {_count(row.params)}, {report.framework} "
            f"{_count(row.framework_params)})"
            if row.params != row.framework_params
            else f"{row.name} (buffers: lstmdoc {_count(row.buffer_size)}, "
            f"{report.framework} {_count(row.framework_buffer_size)})"
            for row in report.disagreements
        )
        lines.append(f"DISAGREEMENT: lstmdoc's count differs from {framework} for {details}.")
    if report.total_params is not None and report.derived_params not in (
        None,
        report.total_params,
    ):
        lines.append(
            f"DISAGREEMENT: the rows add up to {_count(report.derived_params)}, "
            f"{framework} total is {report.total_params:,}."
        )
    unknown = [row.name for row in report.rows if row.params is None]
    if unknown:
        lines.append(
            f"lstmdoc has no formula for {', '.join(unknown)}: {framework} count is shown alone."
        )
    declared: dict[str, list[str]] = {}
    for row in report.rows:
        if row.basis == "declared" and row.layer in _DECLARED:
            declared.setdefault(row.layer, []).append(row.name)
    for label, names in declared.items():
        lines.append(f"{', '.join(names)}: {_DECLARED[label]}, counted from its declared shape.")
    buffered = [row for row in report.rows if row.buffers]
    if buffered:
        held = "; ".join(
            f"{row.name} ({', '.join(buffer.name for buffer in row.buffers)})" for row in buffered
        )
        lines.append(
            f"Buffers are not parameters, and {report.framework} does not count them: "
            f"{held}, {_count(report.buffer_size)} values in all."
        )
    lines += report.notes
    optimizer = report.optimizer
    if optimizer is not None and optimizer.check == "DIFFERS":
        lines.append(
            f"DISAGREEMENT: lstmdoc's optimizer count {_count(optimizer.params)} differs "
            f"from {framework} {_count(optimizer.framework_params)}."
        )
    if report.agrees:
        lines.append(
            f"lstmdoc derives every layer's count, and each agrees with {report.framework}."
        )
    elif (
        not unknown
        and not report.disagreements
        and all(row.agrees for row in report.rows)
        and (optimizer is None or optimizer.check != "DIFFERS")
    ):
        lines.append(f"Every count agrees with {report.framework}.")
    return lines


def text(report: ModelReport) -> str:
    """Return the report as a plain-text table for a terminal."""
    header = _header(report)
    rows = [
        header,
        *(
            _cells(report, row, name=_INDENT * row.depth + _short(report, row))
            for row in report.rows
        ),
    ]
    rows.append(_total_cells(report))
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [
            f"{cell:>{width}}" if header[column] in _numbers(report) else f"{cell:<{width}}"
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return ("  " + "  ".join(cells)).rstrip()

    if not report.rows:
        return "\n".join([title(report), "", *_optimizer_lines(report), *verdict(report)])
    body = [line(row) for row in rows]
    rule = "  " + "-" * (max(len(text) for text in body) - 2)
    table = [body[0], rule, *body[1:-1], rule, body[-1]]
    optimizer = _optimizer_lines(report)
    return "\n".join(
        [title(report), "", *table, "", *optimizer, *([""] if optimizer else []), *verdict(report)]
    )


def html_table(report: ModelReport) -> str:
    """Return the report as an HTML table, its caption the title, its notes beneath.

    The columns are the text table's, with each layer's class under its name, so that
    the table fits beside a notebook's or a page's text.
    """
    numbers = _numbers(report)

    def cell(text: str, tag: str = "td", *, column: str = "", depth: int = 0) -> str:
        # Inline styles, so that the table reads the same in any notebook: numbers
        # right-aligned, nested rows indented, and lines broken only where they may be
        # (a header between words, a formula between its terms).
        align = "right" if column in numbers else "left"
        indent = f"; padding-left: {0.5 + 1.5 * depth:g}em" if depth else ""
        wrap = "normal" if tag == "th" or column in {"formula", "layer"} else "nowrap"
        style = f"padding: 0.15em 0.5em; white-space: {wrap}; text-align: {align}{indent}"
        return f'<{tag} style="{style}">{text}</{tag}>'

    columns = [column for column in _header(report) if column != "class"]
    head = "".join(cell(html.escape(column), "th", column=column) for column in columns)
    body = []
    for row in report.rows:
        name, layer, *values = (
            html.escape(text) for text in _cells(report, row, name=_short(report, row))
        )
        cells = [
            cell(
                f'{_breakable_name(name)}<br><span style="font-size: 85%; opacity: 0.75">'
                f"{layer}</span>",
                column="layer",
                depth=row.depth,
            )
        ]
        differs = f"<strong>DIFFERS from {html.escape(report.framework)}</strong>"
        for column, text in zip(columns[1:], values, strict=True):
            shown = differs if column == "check" and row.check == "DIFFERS" else text
            if column == "formula":
                shown = _breakable_between_terms(shown)
            cells.append(cell(shown, column=column))
        body.append(f"<tr>{''.join(cells)}</tr>")
    total, _, *totals = (html.escape(text) for text in _total_cells(report))
    foot = cell(total, "th") + "".join(
        cell(text, column=column) for column, text in zip(columns[1:], totals, strict=True)
    )
    paragraphs = [*_optimizer_lines(report), *verdict(report)]
    notes = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    caption = "caption-side: top; text-align: left; padding: 0 0.5em 0.4em; color: inherit"
    return (
        '<div class="lstmdoc-report">'
        f'<table style="font-size: 90%"><caption style="{caption}">{html.escape(title(report))}</caption>'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody>"
        f"<tfoot><tr>{foot}</tr></tfoot></table>{notes}</div>"
    )


# --- private helpers ----------------------------------------------------------------


# The columns, the proof first (lstmdoc's count, the framework's, and whether they
# agree), then the trainable split: on a narrow screen the split is what scrolls away.


def _header(report: ModelReport) -> tuple[str, ...]:
    # Buffers, beside the proof: they are what the framework's count leaves out.
    buffers = ("buffers",) if _has_buffers(report) else ()
    return (
        "layer",
        "class",
        "formula",
        "lstmdoc",
        report.framework,
        "check",
        *buffers,
        "trainable",
        "non-trainable",
    )


def _has_buffers(report: ModelReport) -> bool:
    return any(row.buffer_size or row.framework_buffer_size for row in report.rows)


def _numbers(report: ModelReport) -> set[str]:
    return {*_NUMBER_COLUMNS, report.framework}


def _cells(report: ModelReport, row: LayerRow, *, name: str) -> tuple[str, ...]:
    buffers = (_count(row.buffer_size),) if _has_buffers(report) else ()
    return (
        name,
        row.layer,
        row.formula or "-",
        _count(row.params),
        _count(row.framework_params),
        row.check,
        *buffers,
        _count(row.trainable_params),
        _count(row.non_trainable_params),
    )


def _total_cells(report: ModelReport) -> tuple[str, ...]:
    buffers = (_count(report.buffer_size),) if _has_buffers(report) else ()
    return (
        "total",
        "",
        "",
        _count(report.derived_params),
        _count(report.total_params),
        "",
        *buffers,
        _count(report.trainable_params),
        _count(report.non_trainable_params),
    )


def _optimizer_lines(report: ModelReport) -> list[str]:
    optimizer: OptimizerRow | None = report.optimizer
    if optimizer is None:
        return []
    derivation = (
        f"{optimizer.formula} = {_count(optimizer.params)}"
        if optimizer.formula is not None
        else "not derived"
    )
    return [
        (
            f"Optimizer params ({optimizer.optimizer}): {derivation}; "
            f"{report.framework}: {_count(optimizer.framework_params)}, {optimizer.check}."
        ),
        optimizer.explanation,
    ]


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


def _short(report: ModelReport, row: LayerRow) -> str:
    return row.name.rsplit(report.separator, 1)[-1] if row.depth else row.name


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"
