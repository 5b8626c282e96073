"""Turn a model's layers into report rows, one rule set for live models and saved files.

A layer reaches this module as a :class:`LayerNode`: its spec (the dictionary of
:mod:`lstmdoc.keras_weights`) and, beside it, where the framework's own count can
be read. A live Keras layer and a layer in a ``.keras`` file are two kinds of
node; the walk, the rules and the rows are the same for both.

For each layer the walk asks :func:`lstmdoc.keras_weights.derive`:

- a built-in layer gets its formula and weights; the layers it builds inside itself
  (a Bidirectional's two directions, an RNN's cells, an attention layer's
  projections) are walked in turn, one level deeper;
- a model, or a custom layer of a live model, is the sum of the layers it holds,
  each walked in turn, and of the weights it creates itself with ``add_weight``,
  counted from their declared shapes and marked as such;
- anything else (a custom class in a file, whose code lstmdoc never runs) is listed
  with the framework's count alone, and a note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lstmdoc import keras_weights
from lstmdoc.keras_weights import Derivation, NoFormula, Spec
from lstmdoc.report import LayerRow, LayerWeight

__all__ = ["MAX_DEPTH", "LayerNode", "walk_members"]

MAX_DEPTH = 64
"""How deep layers may nest: deeper configurations are refused as malformed."""

_SUMMED_TERMS = 6  # a container's formula lists up to this many counts, then says "sum of"


class LayerNode(Protocol):
    """A layer as the walk sees it: its spec, and where the framework's count is."""

    @property
    def spec(self) -> Spec:
        """The layer's spec: class name, module, config and build config."""

    def framework_params(self) -> int | None:
        """The framework's count for this layer, or ``None`` where it cannot be read."""

    def sublayer(self, spec: Spec) -> LayerNode:
        """The node of a layer this layer builds, described by ``spec``."""

    def members(self) -> Sequence[LayerNode] | None:
        """The layers a model or custom layer holds, in order; ``None`` if not known."""

    def declared_weights(self) -> Sequence[LayerWeight] | None:
        """The weights a custom layer creates itself; ``None`` if not known."""

    def unknown_reason(self) -> str:
        """Why a custom layer's count is not derived, for the report's note."""


@dataclass
class _Walk:
    notes: list[str] = field(default_factory=list)

    def rows(self, node: LayerNode, prefix: str, depth: int, trainable: bool) -> list[LayerRow]:
        """The node's row, then the rows of everything inside it, in display order."""
        if depth > MAX_DEPTH:
            raise ValueError(f"layers nest more than {MAX_DEPTH} deep at {prefix!r}")
        spec = node.spec
        config = spec.get("config")
        config = config if isinstance(config, Mapping) else {}
        path = prefix + str(config.get("name") or spec.get("name") or spec.get("class_name"))
        trainable = trainable and config.get("trainable", True) is not False
        label = keras_weights.label(spec)
        if keras_weights.is_model(spec):
            return self._container(node, path, label, depth, trainable)
        # A live layer whose get_config() raised is explained like a custom layer.
        derivation = None if spec.get("config_error") else keras_weights.derive(spec)
        if isinstance(derivation, Derivation):
            return self._derived(node, derivation, path, depth, trainable)
        if isinstance(derivation, NoFormula):
            return [self._not_derived(node, path, label, depth, derivation.reason)]
        reason = node.unknown_reason()
        if spec.get("config_error"):
            reason = f"its configuration could not be read ({spec['config_error']})"
        if node.members() is None:
            return [self._not_derived(node, path, label, depth, reason)]
        if spec.get("config_error"):
            self.notes.append(f"{path} ({label}): {reason}; the layers it holds are explained.")
        return self._container(node, path, label, depth, trainable)

    def members(self, node: LayerNode, depth: int, trainable: bool) -> list[LayerRow]:
        """The rows of the layers a model holds, and of its own weights, at ``depth``."""
        rows: list[LayerRow] = []
        for member in node.members() or ():
            rows += self.rows(member, "", depth, trainable)
        for weight in node.declared_weights() or ():
            rows.append(_declared(weight, "", depth, trainable))
        return rows

    def _derived(
        self, node: LayerNode, derivation: Derivation, path: str, depth: int, trainable: bool
    ) -> list[LayerRow]:
        groups = [
            self.rows(node.sublayer(child), f"{path}/", depth + 1, trainable)
            for child in derivation.children
        ]
        heads = [group[0] for group in groups]
        formula = derivation.formula
        if derivation.children:
            formulas = [head.formula for head in heads]
            if derivation.compose is not None and all(head.derived for head in heads):
                formula = derivation.compose([text for text in formulas if text is not None])
            else:
                formula = _summed(heads, derivation.weights)
        head = _row(
            path,
            keras_weights.label(node.spec, derivation),
            depth,
            formula,
            derivation.weights,
            heads,
            node.framework_params(),
            trainable,
            basis="formula",
        )
        return [head, *(row for group in groups for row in group)]

    def _container(
        self, node: LayerNode, path: str, label: str, depth: int, trainable: bool
    ) -> list[LayerRow]:
        inner = [
            self.rows(member, f"{path}/", depth + 1, trainable) for member in node.members() or ()
        ]
        inner += [
            [_declared(weight, f"{path}/", depth + 1, trainable)]
            for weight in node.declared_weights() or ()
        ]
        heads = [group[0] for group in inner]
        head = _row(
            path,
            label,
            depth,
            _summed(heads, ()),
            (),
            heads,
            node.framework_params(),
            trainable,
            basis="sum",
        )
        return [head, *(row for group in inner for row in group)]

    def _not_derived(
        self, node: LayerNode, path: str, label: str, depth: int, reason: str
    ) -> LayerRow:
        self.notes.append(f"{path} ({label}): {reason}.")
        return LayerRow(
            name=path,
            layer=label,
            depth=depth,
            formula=None,
            params=None,
            trainable_params=None,
            non_trainable_params=None,
            framework_params=node.framework_params(),
            derived=False,
            basis="none",
            note=reason,
        )


def walk_members(node: LayerNode) -> tuple[list[LayerRow], list[str]]:
    """Return the rows of a model's layers (depth 0 and below) and the notes about them.

    Rows of layers without weights are left out, unless the framework counts
    weights that lstmdoc does not.
    """
    walk = _Walk()
    rows = walk.members(node, 0, _trainable(node.spec))
    return [row for row in rows if not _empty(row)], list(dict.fromkeys(walk.notes))


def walk_layer(node: LayerNode) -> tuple[list[LayerRow], list[str]]:
    """Return the rows of a single layer (depth 0) and what is inside it."""
    walk = _Walk()
    rows = walk.rows(node, "", 0, True)
    return [row for row in rows if not _empty(row)], list(dict.fromkeys(walk.notes))


# --- private helpers ----------------------------------------------------------------------


def _row(
    path: str,
    label: str,
    depth: int,
    formula: str | None,
    weights: Sequence[LayerWeight],
    heads: Sequence[LayerRow],
    framework_params: int | None,
    trainable: bool,
    *,
    basis: str,
) -> LayerRow:
    """A row whose count is its own weights plus the rows directly beneath it."""
    own = sum(weight.count for weight in weights)
    own_trainable = sum(weight.count for weight in weights if weight.trainable and trainable)
    inner = [head.params for head in heads]
    inner_trainable = [head.trainable_params for head in heads]
    known = all(count is not None for count in inner + inner_trainable)
    params = own + sum(count for count in inner if count is not None) if known else None
    trainable_params = (
        own_trainable + sum(count for count in inner_trainable if count is not None)
        if known
        else None
    )
    return LayerRow(
        name=path,
        layer=label,
        depth=depth,
        formula=formula if known else None,
        params=params,
        trainable_params=trainable_params,
        non_trainable_params=None
        if params is None or trainable_params is None
        else params - trainable_params,
        framework_params=framework_params,
        derived=known and all(head.derived for head in heads),
        basis=basis,
        weights=tuple(weights),
    )


def _declared(weight: LayerWeight, prefix: str, depth: int, trainable: bool) -> LayerRow:
    counted = weight.trainable and trainable
    return LayerRow(
        name=f"{prefix}{weight.name}",
        layer="add_weight",
        depth=depth,
        formula=keras_weights.shape_formula(weight.shape),
        params=weight.count,
        trainable_params=weight.count if counted else 0,
        non_trainable_params=0 if counted else weight.count,
        framework_params=weight.count,
        derived=False,
        basis="declared",
        weights=(weight,),
    )


def _summed(heads: Sequence[LayerRow], weights: Sequence[LayerWeight]) -> str | None:
    """A container's formula: the counts of the rows beneath it (and of its own weights)."""
    counts = [head.params for head in heads if head.params != 0]
    counts += [weight.count for weight in weights]
    if any(count is None for count in counts):
        return None
    if not counts:
        return "0"
    if len(counts) > _SUMMED_TERMS:
        return f"sum of the {len(counts)} rows below"
    return " + ".join(str(count) for count in counts)


def _empty(row: LayerRow) -> bool:
    return row.params == 0 and row.framework_params in (0, None)


def _trainable(spec: Spec) -> bool:
    config: Any = spec.get("config")
    return not (isinstance(config, Mapping) and config.get("trainable") is False)
