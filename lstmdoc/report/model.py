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
from dataclasses import dataclass
from typing import Any

from lstmdoc.report import html, presentation, text
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
            "rows": [row.to_dict() for row in self.rows],
            "total_params": self.total_params,
            "derived_params": self.derived_params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            "buffer_size": self.buffer_size,
            "total_buffer_size": self.total_buffer_size,
            "optimizer": None if self.optimizer is None else self.optimizer.to_dict(),
            "all_derived": self.all_derived,
            "agrees": self.agrees,
            "notes": list(self.notes),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __str__(self) -> str:
        """Return the report as a plain-text table for a terminal."""
        return text.render(self.table())

    def _repr_html_(self) -> str:
        """Return the report as an HTML table, as Jupyter and the docs site show it."""
        return html.render(self.table())

    def table(self) -> Table:
        """The report as its text and HTML forms show it: title, columns, lines and sentences."""
        return presentation.table(self)
