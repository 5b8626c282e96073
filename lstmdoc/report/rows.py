"""The rows of an explained model: what each layer's count is, and where it comes from.

A :class:`LayerRow` is one layer (or one weight a custom layer creates itself),
and an :class:`OptimizerRow` the variables of a built optimizer. Nothing here
knows a framework: the framework's own count sits in ``framework_params`` beside
lstmdoc's. State that is not a parameter (PyTorch's buffers, such as a batch
norm's running statistics, which PyTorch does not count) is kept apart, in
``buffer_size``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lstmdoc.counting.breakdowns import Weight

__all__ = ["LayerRow", "LayerWeight", "OptimizerRow", "total"]

LayerWeight = Weight
"""The weight type of a report's rows: :class:`lstmdoc.Weight`, by its older name."""


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
            saved file, with the LoRA factors Keras makes anew when it loads one), or
            ``None`` where it was not read.
        derived: whether lstmdoc derives the count from configuration alone,
            without reading the framework's count or any weight.
        basis: how the count was obtained: ``"formula"`` (derived from the layer's
            configuration and input shape), ``"sum"`` (the rows beneath it, for a
            model or custom layer), ``"declared"`` (a weight a custom layer creates
            itself, counted from its declared shape), ``"shared"`` (a layer or weight
            met before, counted there: this row adds nothing) or ``"none"`` (not
            derived).
        weights: the weights the layer creates itself, as lstmdoc derives them.
        note: why the row is not derived, or what to know about it.
        buffers: the buffers the layer keeps itself, as lstmdoc derives them:
            state that is not a parameter, such as PyTorch's ``running_mean``.
        buffer_size: the values in the buffers of this layer and the layers
            beneath it, as lstmdoc derives them, or ``None`` where it has no count.
        framework_buffer_size: the framework's count of them (PyTorch's
            ``sum(b.numel() for b in module.buffers())``), or ``None`` where not read.
        legend: the formula in words, term for term (``4 × units × (features +
            units + 1)``), where the rule that derived it has one.
        output_shape: the shape of the layer's output, batch axis first (``None``
            where a size is not fixed), where the framework says: Keras for a live
            model, PyTorch for a module explained with an input.
        shared: the weights of this row counted in another, each as its name and the
            place it was first met (a tied weight); a whole layer met before is
            ``("", place)``. The framework counts them once, there, and so does lstmdoc.
        mult_adds: the multiply-adds of the layer's matrix products and convolutions,
            and of the layers beneath it (:class:`lstmdoc.report.rules.Cost`), for a
            Keras layer per sample of the shape it was built on, for a PyTorch module
            for the whole input it ran on; ``None`` where lstmdoc does not derive them.
        mult_adds_formula: the mult-adds with this layer's numbers, where derived.
        mult_adds_per: what the mult-adds are for where the shape left a size open,
            such as ``"time step"``; ``None`` where they are for the whole input.
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
    weights: tuple[Weight, ...] = ()
    note: str | None = None
    buffers: tuple[Weight, ...] = ()
    buffer_size: int | None = 0
    framework_buffer_size: int | None = None
    shared: tuple[tuple[str, str], ...] = ()
    legend: str | None = None
    output_shape: tuple[int | None, ...] | None = None
    mult_adds: int | None = None
    mult_adds_formula: str | None = None
    mult_adds_per: str | None = None

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
        """``"ok"``, ``"DIFFERS"``, ``"declared"``, ``"shared"``, ``"not derived"`` or ``"not checked"``.

        ``"declared"`` marks a count taken from the shapes a custom layer declares for
        its own weights (equal to the framework's); ``"shared"`` a row whose weights
        were all met before, and counted there, as the framework counts them;
        ``"not checked"`` a count that has no framework count to compare with.
        """
        if self.params is None:
            return "not derived"
        if self.framework_params is None:
            return "not checked"
        if self.params != self.framework_params or self._buffers_differ:
            return "DIFFERS"
        if self.basis == "shared":
            return "shared"
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
            "legend": self.legend,
            "output_shape": None if self.output_shape is None else list(self.output_shape),
            "shared": [{"weight": name, "with": place} for name, place in self.shared],
            "mult_adds": self.mult_adds,
            "mult_adds_formula": self.mult_adds_formula,
            "mult_adds_per": self.mult_adds_per,
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
        slots: the arrays it keeps for each trainable weight, each of that weight's
            shape and dtype (Adam: 2), where derived.
        scalar_bytes: the bytes of what it keeps besides (its step counter, its learning
            rate, PyTorch's step per weight), where derived.
    """

    optimizer: str
    formula: str | None
    params: int | None
    framework_params: int | None
    explanation: str
    slots: int | None = None
    scalar_bytes: int | None = None

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
            "slots": self.slots,
            "scalar_bytes": self.scalar_bytes,
        }


def total(counts: Any) -> int | None:
    """The sum of ``counts``, or ``None`` if one of them is not known."""
    total = 0
    for count in counts:
        if count is None:
            return None
        total += count
    return total
