"""A whole model's parameter count explained: its rows, its totals and whether they agree.

A :class:`ModelReport` holds one :class:`~lstmdoc.report.rows.LayerRow` per layer
that owns weights, in display order, with the layers nested inside a layer
beneath it (``row.depth`` one deeper), and, when the model has a built
optimizer, an :class:`~lstmdoc.report.rows.OptimizerRow`. ``str(report)`` and
``report._repr_html_()`` lay out the same :class:`~lstmdoc.report.table.Table`
(:mod:`lstmdoc.report.presentation`), so the terminal, a notebook and the JSON of
``report.to_dict()`` can never disagree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from lstmdoc._checks import size
from lstmdoc.counting.memory import Memory, memory_of
from lstmdoc.report import html, presentation, text
from lstmdoc.report.costs import cost_of, summed_cost
from lstmdoc.report.rows import LayerRow, OptimizerRow, total
from lstmdoc.report.table import Table

__all__ = ["ModelReport"]


@dataclass(frozen=True)
class ModelReport:
    """A model's parameter count explained, layer by layer.

    ``str(report)`` is a plain-text table, ``report._repr_html_()`` an HTML table
    (what a notebook shows), and ``report.to_dict()`` plain values for scripts.
    Nested layers are indented beneath the layer that holds them, in all three.

    Attributes:
        model: the model's name.
        rows: one row per layer that owns weights, in display order: each layer,
            then the layers (and own weights) inside it, one ``depth`` deeper.
        total_params: the framework's total, such as Keras' ``model.count_params()``
            or PyTorch's ``sum(p.numel() for p in model.parameters())``, or
            ``None`` where it was not read.
        framework: whose count ``framework_params`` is: ``"Keras"`` or ``"PyTorch"``.
        optimizer: the optimizer's variables, when the model has a built optimizer.
        source: the file the model was read from, or ``None`` for a live model.
        notes: what the reader should know about rows that are not derived.
        separator: what joins a nested row's name to its parent's: ``/`` for
            Keras, ``.`` for PyTorch.
        total_buffer_size: the framework's count of buffer values, such as
            PyTorch's ``sum(b.numel() for b in model.buffers())``, or ``None``.
        input: the input the rows' output shapes were found by running the model on,
            in words (``"an input of size (1, 20, 1)"``), or ``None``; a Keras
            model's shapes are those it was built for.
        unshown: the model's own layers left out of ``rows`` for holding nothing,
            whose mult-adds are not 0: a weightless attention layer's products, or a
            ``Lambda``'s, which lstmdoc does not derive. :attr:`mult_adds` adds them.
        rows_sum_mult_adds: whether the depth-0 rows' mult-adds add up to the model's;
            not in :meth:`largest`, whose rows leave out what the layers holding them
            compute (a ``TimeDistributed`` runs its layer once a step).
    """

    model: str
    rows: tuple[LayerRow, ...]
    total_params: int | None
    framework: str = "Keras"
    optimizer: OptimizerRow | None = None
    source: str | None = None
    notes: tuple[str, ...] = ()
    separator: str = "/"
    total_buffer_size: int | None = None
    input: str | None = None
    unshown: tuple[LayerRow, ...] = ()
    rows_sum_mult_adds: bool = True

    @property
    def top_rows(self) -> tuple[LayerRow, ...]:
        """The rows of depth 0: the model's own layers, whose counts add up to the total."""
        return tuple(row for row in self.rows if row.depth == 0)

    @property
    def derived_params(self) -> int | None:
        """lstmdoc's total, the sum of the depth-0 rows, or ``None`` if one has no count."""
        return total(row.params for row in self.top_rows)

    @property
    def trainable_params(self) -> int | None:
        """lstmdoc's trainable total, or ``None`` if some depth-0 row has no count."""
        return total(row.trainable_params for row in self.top_rows)

    @property
    def non_trainable_params(self) -> int | None:
        """lstmdoc's non-trainable total, or ``None`` if some depth-0 row has no count."""
        return total(row.non_trainable_params for row in self.top_rows)

    @property
    def buffer_size(self) -> int | None:
        """lstmdoc's count of buffer values (not parameters), or ``None`` if not known."""
        return total(row.buffer_size for row in self.top_rows)

    @property
    def mult_adds(self) -> int | None:
        """The model's multiply-adds, the sum of its depth-0 rows', or ``None`` if one is unknown.

        ``None`` too where the rows' figures are for different things (one per time
        step, another per sample): see :attr:`mult_adds_per`.
        """
        if not self.rows_sum_mult_adds:
            return None
        cost = summed_cost([cost_of(row) for row in (*self.top_rows, *self.unshown)])
        return None if cost is None else cost.mult_adds

    @property
    def mult_adds_per(self) -> str | None:
        """What :attr:`mult_adds` is for where a shape left a size open (``"time step"``), else ``None``."""
        if not self.rows_sum_mult_adds:
            return None
        cost = summed_cost([cost_of(row) for row in (*self.top_rows, *self.unshown)])
        return None if cost is None else cost.per

    @property
    def memory(self) -> Memory | None:
        """The bytes of the weights, per dtype, and of the optimizer's variables, as derived.

        Each weight's bytes are its values times its dtype's width
        (:mod:`lstmdoc.counting.memory`), as Keras' summary sizes them; a weight counted
        in another row (a tied weight) is counted once. The optimizer's are its slots
        times the trainable weights' bytes, plus its scalars'. ``None`` where a count or
        a dtype is not known; the optimizer's alone ``None`` where it is not derived.
        """
        if self.derived_params is None:
            return None
        weights = []
        for row in self.rows:
            if row.basis == "shared":
                continue
            frozen = row.trainable_params == 0
            weights += [
                replace(weight, trainable=False) if frozen else weight for weight in row.weights
            ]
        if sum(weight.count for weight in weights) != self.derived_params:
            return None  # a row whose weights are not listed: its bytes are not known
        memory = memory_of(weights)
        optimizer = self.optimizer
        if memory is None or optimizer is None:
            return memory
        if optimizer.slots is None or optimizer.scalar_bytes is None:
            return memory
        return replace(
            memory,
            optimizer_bytes=optimizer.slots * memory.trainable_bytes + optimizer.scalar_bytes,
        )

    @property
    def all_derived(self) -> bool:
        """Whether lstmdoc derives every row's count from configuration alone."""
        return all(row.derived for row in self.rows)

    @property
    def agrees(self) -> bool:
        """Whether every row is derived and agrees, the totals agree, and so does the optimizer."""
        return (
            self.all_derived
            and all(row.agrees for row in self.rows)
            and self.derived_params == self.total_params
            and (self.total_buffer_size is None or self.buffer_size == self.total_buffer_size)
            and (self.optimizer is None or self.optimizer.agrees)
        )

    @property
    def disagreements(self) -> tuple[LayerRow, ...]:
        """The rows whose count differs from the framework's count."""
        return tuple(row for row in self.rows if row.check == "DIFFERS")

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready Python values."""
        return {
            "model": self.model,
            "framework": self.framework,
            "source": self.source,
            "input": self.input,
            "rows": [row.to_dict() for row in self.rows],
            "total_params": self.total_params,
            "derived_params": self.derived_params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            "buffer_size": self.buffer_size,
            "total_buffer_size": self.total_buffer_size,
            "mult_adds": self.mult_adds,
            "mult_adds_per": self.mult_adds_per,
            "optimizer": None if self.optimizer is None else self.optimizer.to_dict(),
            "memory": None if self.memory is None else self.memory.to_dict(),
            "all_derived": self.all_derived,
            "agrees": self.agrees,
            "notes": list(self.notes),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as a JSON string, with every name whole.

        Characters that could act on a terminal or reorder text (controls, and
        Unicode's format characters such as a right-to-left override) are written as
        ``\\u`` escapes; JSON reads them back as they were.
        """
        written = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
        return written if written.isprintable() else _escaped(written)

    def text(
        self, width: int | None = None, *, columns: Sequence[str] | None = None, wide: bool = False
    ) -> str:
        """Return the report as text, fitted to ``width`` columns (``None``: no limit).

        Args:
            width: the columns to fit the text in; the formula wraps, long names and
                classes are cut with an ellipsis, and the sentences are wrapped.
            columns: the columns to show, of :data:`lstmdoc.report.presentation.COLUMNS`
                (``share`` and ``output`` are shown only when asked for).
            wide: every column and every cell whole, whatever the width.
        """
        table = presentation.table(self, columns=columns, compact=not wide)
        return text.render(table, None if wide else width)

    def __str__(self) -> str:
        """Return the report as text fitted to the terminal (``COLUMNS``, else 80 columns)."""
        return self.text(text.terminal_width())

    def _repr_html_(self) -> str:
        """Return the report as an HTML table, as Jupyter and the docs site show it."""
        return html.render(self.table())

    def table(self, *, columns: Sequence[str] | None = None, compact: bool = True) -> Table:
        """The report as its text and HTML forms show it: title, columns, lines and sentences.

        See :func:`lstmdoc.report.presentation.table` for ``columns`` and ``compact``.
        """
        return presentation.table(self, columns=columns, compact=compact)

    def folded(self, depth: int) -> ModelReport:
        """The report with the rows deeper than ``depth`` folded into the rows above them.

        ``depth=0`` keeps the model's own layers; their counts already hold what is
        beneath them, so every total stays the same.
        """
        depth = size("depth", depth, minimum=0)
        return replace(self, rows=tuple(row for row in self.rows if row.depth <= depth))

    def largest(self) -> ModelReport:
        """Where the parameters go: every row that holds weights itself, largest first.

        Each row is named by its full path and counts only the weights it holds itself,
        not those of the rows beneath it, so the rows still add up to the total. A row
        with rows beneath it has no mult-adds here: its own are not told apart.
        """
        own = []
        for index, row in enumerate(self.rows):
            children = _children(self.rows, index)
            if not children:
                own.append(replace(row, depth=0))
                continue
            weights = sum(weight.count for weight in row.weights)
            if weights:
                beneath = [child.framework_params for child in children]
                framework = (
                    None
                    if row.framework_params is None or None in beneath
                    else row.framework_params - sum(count or 0 for count in beneath)
                )
                trainable = sum(w.count for w in row.weights if w.trainable)
                own.append(
                    replace(
                        row,
                        depth=0,
                        params=weights,
                        framework_params=framework,
                        trainable_params=trainable,
                        non_trainable_params=weights - trainable,
                        formula=" + ".join(str(weight.count) for weight in row.weights),
                        buffer_size=0,
                        framework_buffer_size=0 if row.framework_buffer_size is not None else None,
                        # Its own weights' share of what it computes is not told apart.
                        mult_adds=None,
                        mult_adds_formula=None,
                        mult_adds_per=None,
                    )
                )
        own.sort(key=lambda row: -(row.params if row.params is not None else -1))
        return replace(self, rows=tuple(own), unshown=(), rows_sum_mult_adds=False)


def _children(rows: Sequence[LayerRow], index: int) -> list[LayerRow]:
    """The rows directly beneath ``rows[index]``."""
    found = []
    for row in rows[index + 1 :]:
        if row.depth <= rows[index].depth:
            break
        if row.depth == rows[index].depth + 1:
            found.append(row)
    return found


def _escaped(written: str) -> str:
    """JSON text with its unprintable characters written as ``\\u`` escapes."""
    return "".join(
        character
        if character.isprintable() or character in "\n "
        else f"\\u{ord(character):04x}"
        if ord(character) < 0x10000
        else "".join(f"\\u{unit:04x}" for unit in _surrogates(ord(character)))
        for character in written
    )


def _surrogates(code: int) -> tuple[int, int]:
    code -= 0x10000
    return 0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)
