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

from lstmdoc.counting.memory import Memory, readable
from lstmdoc.report.rows import LayerRow, OptimizerRow
from lstmdoc.report.table import Column, Line, Table

__all__ = ["COLUMNS", "Report", "disagreement_sentences", "table", "title"]


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
    def memory(self) -> Memory | None: ...
    @property
    def total_params(self) -> int | None: ...
    @property
    def total_buffer_size(self) -> int | None: ...
    @property
    def input(self) -> str | None: ...
    @property
    def derived_params(self) -> int | None: ...
    @property
    def trainable_params(self) -> int | None: ...
    @property
    def non_trainable_params(self) -> int | None: ...
    @property
    def buffer_size(self) -> int | None: ...
    @property
    def mult_adds(self) -> int | None: ...
    @property
    def unshown(self) -> tuple[LayerRow, ...]: ...
    @property
    def rows_sum_mult_adds(self) -> bool: ...
    @property
    def agrees(self) -> bool: ...
    @property
    def disagreements(self) -> tuple[LayerRow, ...]: ...


COLUMNS = (
    "formula",
    "params",
    "framework",
    "check",
    "buffers",
    "trainable",
    "non_trainable",
    "share",
    "output",
    "mult_adds",
    "mult_adds_formula",
)
"""Every column a report can show, in the order shown: the proof first (the formula,
lstmdoc's count, the framework's, and whether they agree), then the buffers the
framework's count leaves out, then the trainable split, the share of the total and
the output shape, then what each layer computes: its multiply-adds, and their
formula. On a narrow screen what comes last is what scrolls away. The mult-adds are
shown only when asked for; ``report.to_dict()`` always has them."""


def table(report: Report, *, columns: Sequence[str] | None = None, compact: bool = True) -> Table:
    """The report as a :class:`~lstmdoc.report.table.Table`.

    Args:
        report: the report.
        columns: the columns to show, of :data:`COLUMNS`; by default all that have
            something to say, without ``share``, ``mult_adds`` and
            ``mult_adds_formula``, and without ``output`` unless the shapes were found
            by running the model on an input the caller gave.
        compact: leave out, of the default columns, those that carry nothing the
            others do not: the framework's count where it equals lstmdoc's on every
            row (the check column, headed by the framework's name, says so), the
            trainable split where nothing is non-trainable, and empty buffers.

    Raises:
        ValueError: a column that is not one of :data:`COLUMNS`.
    """
    chosen = _chosen(report, columns, compact=compact)
    check_title = report.framework if "framework" not in chosen and columns is None else "check"
    headings = {
        "formula": Column("formula", "formula", wraps=True),
        "params": Column("params", "lstmdoc", numeric=True),
        "framework": Column("framework", report.framework, numeric=True),
        "check": Column("check", check_title),
        "buffers": Column("buffers", "buffers", numeric=True),
        "trainable": Column("trainable", "trainable", numeric=True),
        "non_trainable": Column("non_trainable", "non-trainable", numeric=True),
        "share": Column("share", "share", numeric=True),
        "output": Column("output", "output shape"),
        "mult_adds": Column("mult_adds", "mult-adds", numeric=True),
        "mult_adds_formula": Column("mult_adds_formula", "mult-adds formula", wraps=True),
    }
    lines = tuple(_line(report, row, chosen) for row in report.rows)
    totals = {
        "params": _count(report.derived_params),
        "framework": _count(report.total_params),
        "buffers": _count(report.buffer_size),
        "trainable": _count(report.trainable_params),
        "non_trainable": _count(report.non_trainable_params),
        "share": "100%" if report.derived_params else "",
        "mult_adds": _count(report.mult_adds),
    }
    total = Line("total", "", tuple(totals.get(key, "") for key in chosen))
    legend = {row.layer: row.legend for row in report.rows if row.legend}
    return Table(
        title=title(report),
        columns=tuple(headings[key] for key in chosen),
        lines=lines,
        total=total if lines else None,
        sentences=(
            *_optimizer_sentences(report),
            *_memory_sentences(report),
            *_verdict(report),
            *(_cost_sentences(report) if _COSTS & set(chosen) else ()),
        ),
        legend=tuple(legend.items()),
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


def _chosen(report: Report, columns: Sequence[str] | None, *, compact: bool) -> list[str]:
    if columns is not None:
        unknown = [column for column in columns if column not in COLUMNS]
        if unknown or not columns:
            raise ValueError(
                f"columns must be some of {', '.join(COLUMNS)}, got {', '.join(map(repr, unknown)) or 'none'}"
            )
        return list(dict.fromkeys(columns))
    rows = report.rows
    chosen = [column for column in COLUMNS if column != "share" and column not in _COSTS]
    if report.input is None or all(row.output_shape is None for row in rows):
        chosen.remove("output")  # shown by default only for an input the caller gave
    if not any(row.buffer_size or row.framework_buffer_size for row in rows):
        chosen.remove("buffers")
    if compact:
        if all(row.framework_params == row.params for row in rows) and (
            report.total_params == report.derived_params
        ):
            chosen.remove("framework")
        if all(row.non_trainable_params == 0 for row in rows):
            chosen.remove("trainable")
            chosen.remove("non_trainable")
    return chosen


def _line(report: Report, row: LayerRow, chosen: Sequence[str]) -> Line:
    name = row.name.rsplit(report.separator, 1)[-1] if row.depth else row.name
    total = report.derived_params
    cells = {
        "formula": row.formula or "-",
        "params": _count(row.params),
        "framework": _count(row.framework_params),
        "check": row.check,
        "buffers": _count(row.buffer_size),
        "trainable": _count(row.trainable_params),
        "non_trainable": _count(row.non_trainable_params),
        "share": _share(row.params, total),
        "output": "" if row.output_shape is None else _shape(row.output_shape),
        "mult_adds": _count(row.mult_adds),
        "mult_adds_formula": row.mult_adds_formula or "-",
    }
    return Line(
        name,
        row.layer,
        tuple(cells[key] for key in chosen),
        depth=row.depth,
        alarm=f"DIFFERS from {report.framework}" if row.check == "DIFFERS" else None,
    )


def _share(params: int | None, total: int | None) -> str:
    if params is None or not total:
        return "-"
    share = 100 * params / total
    return f"{share:.1f}%" if share >= 0.1 or not params else "<0.1%"


def _shape(shape: tuple[int | None, ...]) -> str:
    return (
        "("
        + ", ".join("None" if size is None else str(size) for size in shape)
        + (",)" if len(shape) == 1 else ")")
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
    if report.input is not None and any(row.output_shape for row in report.rows):
        lines.append(f"Output shapes are for {report.input}.")
    if report.agrees:
        lines.append(
            f"lstmdoc derives every layer's count, and each agrees with {report.framework}."
        )
    elif not disagreements and not unknown and all(row.agrees for row in report.rows):
        lines.append(f"Every count agrees with {report.framework}.")
    return lines


_COSTS = {"mult_adds", "mult_adds_formula"}


def _cost_sentences(report: Report) -> list[str]:
    """What the mult-adds columns count, and for what input."""
    rows = [row for row in report.rows if row.mult_adds is not None]
    if report.framework == "PyTorch":
        given = f"for {report.input}, batch included" if report.input else None
    else:
        given = "per sample, for the input shape each layer was built on"
    if given is None:
        where = (
            "run the module on an input (input_size or input_data) to derive them"
            if report.source is None
            else "the file records no input shape"
        )
        return [f"Mult-adds are not derived: {where}."]
    if not rows:
        return ["Mult-adds are not derived for any layer here."]
    open_rows = [f"{row.name} ({row.mult_adds_per})" for row in rows if row.mult_adds_per]
    sentences = [
        (
            f"Mult-adds: the multiply-adds of each layer's matrix products and convolutions, "
            f"{given}; elementwise work (activations, bias additions, gate products) is not "
            "counted, and PyTorch's FlopCounterMode counts 2 FLOPs for each multiply-add."
        )
    ]
    if open_rows:
        sentence = (
            "Where the built shape leaves a size open (any length), the figure is for one step "
            f"of it: {', '.join(open_rows)}."
        )
        top = [row for row in report.rows if row.depth == 0]
        summed = report.rows_sum_mult_adds and report.mult_adds is None
        if summed and all(row.mult_adds is not None for row in top):
            sentence += " The total is not given: the layers' figures are for different things."
        sentences.append(sentence)
    unknown = [
        f"{row.name} ({row.layer})"
        for row in (*report.rows, *report.unshown)
        if row.depth == 0 and row.mult_adds is None
    ]
    if not report.rows_sum_mult_adds:
        sentences.append(
            "The total is not given: each row counts what its layer computes itself, "
            "without what the layers holding it add (a TimeDistributed's steps, attention's "
            "scores)."
        )
    elif report.mult_adds is None and unknown:
        named = ", ".join(unknown[:3]) + (", …" if len(unknown) > 3 else "")
        sentences.append(
            f"The total is not given: lstmdoc does not derive the mult-adds of {named}."
        )
    custom = [row.name for row in rows if row.basis == "sum" and row.layer not in _CONTAINERS]
    if custom:
        named = ", ".join(custom[:3]) + (", …" if len(custom) > 3 else "")
        sentences.append(
            "A custom layer's figure is that of the layers it holds; what its own code "
            f"computes beside them is not seen: {named}."
        )
    return sentences


_CONTAINERS = {"Sequential", "Functional", "Model", "ModuleList", "ModuleDict"}
"""Classes whose own code only runs the layers they hold."""


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


def _memory_sentences(report: Report) -> Sequence[str]:
    """The bytes the weights take, and the optimizer's variables, as derived."""
    memory = report.memory
    if memory is None or not memory.weight_bytes:
        return []
    sentences = [
        (
            f"Memory: the weights take {memory.formula} = {memory.weight_bytes:,} bytes "
            f"({readable(memory.weight_bytes)})."
        )
    ]
    optimizer = report.optimizer
    if memory.optimizer_bytes is not None and optimizer is not None:
        sentences.append(
            f"{optimizer.optimizer}'s variables take {optimizer.slots} × "
            f"{memory.trainable_bytes:,} + {optimizer.scalar_bytes} = "
            f"{memory.optimizer_bytes:,} bytes ({readable(memory.optimizer_bytes)}); "
            f"{memory.total_bytes:,} bytes ({readable(memory.total_bytes)}) in all."
        )
    return sentences


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"
