"""What a report shows: its columns, each row's cells, and the sentences beneath.

Every number and word comes from the report itself, and the verdict is computed
from the same values as ``report.agrees`` and ``report.disagreements``: a report
that disagrees anywhere never says that every count agrees. Nothing here knows a
framework: the framework's name and the words for its declared weights come with
the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lstmdoc.report.rows import LayerRow, OptimizerRow
from lstmdoc.report.table import Column, Line, Table

__all__ = ["Report", "disagreement_sentences", "table", "title"]


class Report(Protocol):
    """What presenting a report reads of it (a :class:`~lstmdoc.report.model.ModelReport`)."""

    @property
    def model(self) -> str: ...
    @property
    def rows(self) -> tuple[LayerRow, ...]: ...
    @property
    def framework(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def notes(self) -> tuple[str, ...]: ...
    @property
    def separator(self) -> str: ...
    @property
    def optimizer(self) -> OptimizerRow | None: ...
    @property
    def total_params(self) -> int | None: ...
    @property
    def total_buffer_size(self) -> int | None: ...
    @property
    def derived_params(self) -> int | None: ...
    @property
    def trainable_params(self) -> int | None: ...
    @property
    def non_trainable_params(self) -> int | None: ...
    @property
    def buffer_size(self) -> int | None: ...
    @property
    def agrees(self) -> bool: ...
    @property
    def disagreements(self) -> tuple[LayerRow, ...]: ...


def table(report: Report) -> Table:
    """The report as a :class:`~lstmdoc.report.table.Table`."""
    buffers = any(row.buffer_size or row.framework_buffer_size for row in report.rows)
    # The proof first (lstmdoc's count, the framework's, and whether they agree), then
    # the buffers the framework's count leaves out, then the trainable split: on a
    # narrow screen the split is what scrolls away.
    columns = (
        Column("formula", wraps=True),
        Column("lstmdoc", numeric=True),
        Column(report.framework, numeric=True),
        Column("check"),
        *((Column("buffers", numeric=True),) if buffers else ()),
        Column("trainable", numeric=True),
        Column("non-trainable", numeric=True),
    )
    lines = tuple(_line(report, row, buffers=buffers) for row in report.rows)
    total = Line(
        "total",
        "",
        (
            "",
            _count(report.derived_params),
            _count(report.total_params),
            "",
            *((_count(report.buffer_size),) if buffers else ()),
            _count(report.trainable_params),
            _count(report.non_trainable_params),
        ),
    )
    return Table(
        title=title(report),
        columns=columns,
        lines=lines,
        total=total if lines else None,
        sentences=(*_optimizer_sentences(report), *_verdict(report)),
    )


def title(report: Report) -> str:
    """The report's first line: the model, its total and the trainable split."""
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


def disagreement_sentences(report: Report) -> list[str]:
    """Each way lstmdoc's counts differ from the framework's, one sentence each.

    Empty exactly when nothing lstmdoc counted differs from what the framework counted.
    """
    framework = _possessive(report.framework)
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
    if report.total_buffer_size is not None and report.buffer_size not in (
        None,
        report.total_buffer_size,
    ):
        lines.append(
            f"DISAGREEMENT: the buffers add up to {_count(report.buffer_size)}, "
            f"{framework} total is {report.total_buffer_size:,}."
        )
    optimizer = report.optimizer
    if optimizer is not None and optimizer.check == "DIFFERS":
        lines.append(
            f"DISAGREEMENT: lstmdoc's optimizer count {_count(optimizer.params)} differs "
            f"from {framework} {_count(optimizer.framework_params)}."
        )
    return lines


# --- private helpers ----------------------------------------------------------------


def _line(report: Report, row: LayerRow, *, buffers: bool) -> Line:
    name = row.name.rsplit(report.separator, 1)[-1] if row.depth else row.name
    return Line(
        name,
        row.layer,
        (
            row.formula or "-",
            _count(row.params),
            _count(row.framework_params),
            row.check,
            *((_count(row.buffer_size),) if buffers else ()),
            _count(row.trainable_params),
            _count(row.non_trainable_params),
        ),
        depth=row.depth,
        alarm=f"DIFFERS from {report.framework}" if row.check == "DIFFERS" else None,
    )


def _verdict(report: Report) -> list[str]:
    """The sentences under the table: disagreements, gaps, notes, and what agrees."""
    framework = _possessive(report.framework)
    disagreements = disagreement_sentences(report)
    if not report.rows:
        return [
            *disagreements,
            *report.notes,
            *([] if disagreements else ["No layer owns weights."]),
        ]
    lines = list(disagreements)
    unknown = [row.name for row in report.rows if row.params is None]
    if unknown:
        lines.append(
            f"lstmdoc has no formula for {', '.join(unknown)}: {framework} count is shown alone."
        )
    shared = [row for row in report.rows if row.shared and row.note]
    if shared:
        lines.append(
            f"{report.framework} counts a weight once, however many layers hold it, and so "
            f"does lstmdoc: {'; '.join(f'{row.name}: {row.note}' for row in shared)}."
        )
    buffered = [row for row in report.rows if row.buffers]
    if buffered:
        held = "; ".join(
            row.name
            if [buffer.name for buffer in row.buffers] == [row.name.rsplit(report.separator)[-1]]
            else f"{row.name} ({', '.join(buffer.name for buffer in row.buffers)})"
            for row in buffered
        )
        lines.append(
            f"Buffers are not parameters, and {report.framework} does not count them: "
            f"{held}, {_count(report.buffer_size)} values in all."
        )
    lines += report.notes
    if report.agrees:
        lines.append(
            f"lstmdoc derives every layer's count, and each agrees with {report.framework}."
        )
    elif not disagreements and not unknown and all(row.agrees for row in report.rows):
        lines.append(f"Every count agrees with {report.framework}.")
    return lines


def _optimizer_sentences(report: Report) -> Sequence[str]:
    optimizer = report.optimizer
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


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"
