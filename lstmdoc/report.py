"""The rows of an explained model: what each layer's count is, and where it comes from.

A :class:`ModelReport` holds one :class:`LayerRow` per layer that owns weights, in
display order, with the layers nested inside a layer beneath it (``row.depth`` one
deeper), and, when the model has a built optimizer, an :class:`OptimizerRow`.
Nothing here knows a framework: the framework's own count sits in
``framework_params`` beside lstmdoc's, and ``report.framework`` names it. State
that is not a parameter (PyTorch's buffers, such as a batch norm's running
statistics, which PyTorch does not count) is kept apart, in ``buffer_size``.
``str(report)`` and ``report._repr_html_()`` hand the report to
:mod:`lstmdoc.rendering`; ``report.to_dict()`` gives plain values for scripts.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from lstmdoc import rendering

__all__ = ["LayerRow", "LayerWeight", "ModelReport", "OptimizerRow"]


@dataclass(frozen=True)
class LayerWeight:
    """One weight (or buffer) a layer creates, as lstmdoc derives it.

    Attributes:
        name: the framework's name for it, such as ``kernel``, ``moving_mean`` or
            PyTorch's ``weight_ih_l0``.
        shape: its shape, such as ``(1, 80)``.
        trainable: whether the optimizer updates it (for PyTorch, ``requires_grad``).
    """

    name: str
    shape: tuple[int, ...]
    trainable: bool

    @property
    def count(self) -> int:
        """The number of parameters in this weight: the product of its shape."""
        return math.prod(self.shape)

    def to_dict(self) -> dict[str, Any]:
        """Return the weight as plain JSON-ready Python values."""
        return {"name": self.name, "shape": list(self.shape), "trainable": self.trainable}


@dataclass(frozen=True)
class LayerRow:
    """One layer (or one weight of a custom layer), and where its parameter count comes from.

    Attributes:
        name: the path of the layer, such as ``lstm``, ``encoder/lstm`` inside a
            nested model, or ``block/attention/query`` inside a layer; for
            PyTorch, the module's name as in its ``state_dict`` keys, such as
            ``encoder.lstm``.
        layer: the class name, such as ``"LSTM"``; for a wrapper, with the wrapped
            class in parentheses, such as ``"Bidirectional(LSTM)"``; ``"add_weight"``
            for a weight a custom layer creates itself.
        depth: 0 for the model's own layers, 1 for the layers inside them, and so on.
        formula: the count with this layer's numbers, such as ``4 × 20 × (1 + 20 + 1)``,
            or ``None`` where lstmdoc has none.
        params: lstmdoc's count, or ``None`` where it has none.
        trainable_params: how many of lstmdoc's count the optimizer updates.
        non_trainable_params: the rest (moving statistics, frozen layers).
        framework_params: the framework's own count for this layer (Keras'
            ``layer.count_params()``, PyTorch's ``sum(p.numel() for p in
            module.parameters())``, or the sizes of the arrays stored for it in a
            saved file), or ``None`` where it was not read.
        derived: whether lstmdoc derives the count from configuration alone,
            without reading the framework's count or any weight.
        basis: how the count was obtained: ``"formula"`` (derived from the layer's
            configuration and input shape), ``"sum"`` (the rows beneath it, for a
            model or custom layer), ``"declared"`` (a weight a custom layer creates
            itself, counted from its declared shape) or ``"none"`` (not derived).
        weights: the weights the layer creates itself, as lstmdoc derives them.
        note: why the row is not derived, or what to know about it.
        buffers: the buffers the layer keeps itself, as lstmdoc derives them:
            state that is not a parameter, such as PyTorch's ``running_mean``.
        buffer_size: the values in the buffers of this layer and the layers
            beneath it, as lstmdoc derives them, or ``None`` where it has no count.
        framework_buffer_size: the framework's count of them (PyTorch's
            ``sum(b.numel() for b in module.buffers())``), or ``None`` where not read.
    """

    name: str
    layer: str
    depth: int
    formula: str | None
    params: int | None
    trainable_params: int | None
    non_trainable_params: int | None
    framework_params: int | None
    derived: bool
    basis: str
    weights: tuple[LayerWeight, ...] = ()
    note: str | None = None
    buffers: tuple[LayerWeight, ...] = ()
    buffer_size: int | None = 0
    framework_buffer_size: int | None = None

    @property
    def agrees(self) -> bool:
        """Whether lstmdoc has a count, the framework's count was read, and they are equal.

        Where the framework's buffers were read too, lstmdoc's must equal them.
        """
        return (
            self.params is not None
            and self.params == self.framework_params
            and not self._buffers_differ
        )

    @property
    def _buffers_differ(self) -> bool:
        return (
            self.framework_buffer_size is not None
            and self.buffer_size is not None
            and self.buffer_size != self.framework_buffer_size
        )

    @property
    def check(self) -> str:
        """``"ok"``, ``"DIFFERS"``, ``"declared"``, ``"not derived"`` or ``"not checked"``.

        ``"declared"`` marks a count taken from the shapes a custom layer declares for
        its own weights (equal to the framework's); ``"not checked"`` a count that has
        no framework count to compare with.
        """
        if self.params is None:
            return "not derived"
        if self.framework_params is None:
            return "not checked"
        if self.params != self.framework_params or self._buffers_differ:
            return "DIFFERS"
        return "ok" if self.derived else "declared"

    def to_dict(self) -> dict[str, Any]:
        """Return the row as plain JSON-ready Python values."""
        return {
            "name": self.name,
            "layer": self.layer,
            "depth": self.depth,
            "formula": self.formula,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            "framework_params": self.framework_params,
            "derived": self.derived,
            "basis": self.basis,
            "check": self.check,
            "weights": [weight.to_dict() for weight in self.weights],
            "note": self.note,
            "buffers": [buffer.to_dict() for buffer in self.buffers],
            "buffer_size": self.buffer_size,
            "framework_buffer_size": self.framework_buffer_size,
        }


@dataclass(frozen=True)
class OptimizerRow:
    """The variables a built optimizer keeps, and where their count comes from.

    Attributes:
        optimizer: the optimizer's class name, such as ``"Adam"``.
        formula: the count with this model's numbers, such as ``2 × 2180 + 2``, or
            ``None`` where lstmdoc has no formula for this optimizer.
        params: lstmdoc's count, or ``None``.
        framework_params: the framework's count of the optimizer's variables (Keras'
            "Optimizer params"), or ``None`` where it was not read.
        explanation: where the count comes from, in words.
    """

    optimizer: str
    formula: str | None
    params: int | None
    framework_params: int | None
    explanation: str

    @property
    def derived(self) -> bool:
        """Whether lstmdoc derives the optimizer's count."""
        return self.params is not None

    @property
    def agrees(self) -> bool:
        """Whether the derived count equals the framework's."""
        return self.params is not None and self.params == self.framework_params

    @property
    def check(self) -> str:
        """``"ok"``, ``"DIFFERS"``, ``"not derived"`` or ``"not checked"``."""
        if self.params is None:
            return "not derived"
        if self.framework_params is None:
            return "not checked"
        return "ok" if self.agrees else "DIFFERS"

    def to_dict(self) -> dict[str, Any]:
        """Return the row as plain JSON-ready Python values."""
        return {
            "optimizer": self.optimizer,
            "formula": self.formula,
            "params": self.params,
            "framework_params": self.framework_params,
            "explanation": self.explanation,
            "check": self.check,
        }


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
        return _sum(row.params for row in self.top_rows)

    @property
    def trainable_params(self) -> int | None:
        """lstmdoc's trainable total, or ``None`` if some depth-0 row has no count."""
        return _sum(row.trainable_params for row in self.top_rows)

    @property
    def non_trainable_params(self) -> int | None:
        """lstmdoc's non-trainable total, or ``None`` if some depth-0 row has no count."""
        return _sum(row.non_trainable_params for row in self.top_rows)

    @property
    def buffer_size(self) -> int | None:
        """lstmdoc's count of buffer values (not parameters), or ``None`` if not known."""
        return _sum(row.buffer_size for row in self.top_rows)

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
        return rendering.text(self)

    def _repr_html_(self) -> str:
        """Return the report as an HTML table, as Jupyter and the docs site show it."""
        return rendering.html_table(self)


def _sum(counts: Any) -> int | None:
    total = 0
    for count in counts:
        if count is None:
            return None
        total += count
    return total
