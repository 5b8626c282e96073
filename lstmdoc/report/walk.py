"""Turn a model's layers into report rows, one rule set per framework, one walk for all.

A layer reaches this module as a :class:`LayerNode`: its :class:`Spec` (the class
name, its module and its configuration) and, beside it, where the framework's own
count can be read. A live Keras layer, a layer in a ``.keras`` file, a live
PyTorch module and a module's tensors in a saved ``state_dict`` are four kinds of
node; the walk and the rows are the same for all, and the framework's
:class:`Rules` (:data:`lstmdoc.keras.registry.RULES`,
:data:`lstmdoc.pytorch.registry.RULES`) say what each class creates.

For each layer the walk asks ``rules.derive(spec)``:

- a built-in layer gets its formula, weights and buffers; the layers it builds
  inside itself (a Bidirectional's two directions, an RNN's cells, an attention
  layer's projections) are walked in turn, one level deeper;
- a model, or a custom layer of a live model, is the sum of the layers it holds,
  each walked in turn, and of the weights it creates itself (Keras' ``add_weight``,
  PyTorch's ``nn.Parameter``), counted from their declared shapes and marked as such;
- anything else (a custom class in a file, whose code lstmdoc never runs) is listed
  with the framework's count alone, and a note.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.counting.formulas import shape_formula
from lstmdoc.report.rows import LayerRow

__all__ = [
    "MAX_DEPTH",
    "Derivation",
    "LayerNode",
    "NoFormula",
    "Rules",
    "Spec",
    "walk_layer",
    "walk_members",
]

MAX_DEPTH = 64
"""How deep layers may nest: deeper configurations are refused as malformed."""

_SUMMED_TERMS = 6  # a container's formula lists up to this many counts, then says "sum of"


@dataclass(frozen=True)
class Spec:
    """A layer as the rules read it: its class, where the class comes from, its configuration.

    A Keras layer's spec is what Keras serializes it to (``class_name``, ``module``,
    ``config`` and ``build_config``); a PyTorch module's holds, as its config, the
    constructor arguments its rule reads.

    Attributes:
        class_name: the class, such as ``"LSTM"``.
        module: the module the class is defined in, such as ``"keras.layers"``, or
            ``None`` where not known; a user's class has a module of its own.
        config: the configuration, or constructor arguments, by the framework's names.
        build_config: for Keras, the input shapes the layer was built on.
        registered_name: for Keras, the name a custom class is registered under.
        label: the class as shown, where it is not the class name (a state_dict's
            class, read back as its constructor call, such as ``LSTM(1, 20)``).
        frozen: the names of the weights the framework will not train, where
            the configuration does not say (PyTorch's ``requires_grad=False``).
        config_error: why the configuration could not be read, if it could not.
    """

    class_name: str
    module: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    build_config: Mapping[str, Any] | None = None
    registered_name: str | None = None
    label: str | None = None
    frozen: frozenset[str] = frozenset()
    config_error: str | None = None

    @property
    def name(self) -> str:
        """The layer's name, from its configuration, else its class."""
        return str(self.config.get("name") or self.class_name)

    def built_on(self, input_shape: Sequence[Any]) -> Spec:
        """This spec, built on ``input_shape`` (as a wrapper builds what it wraps)."""
        return replace(self, build_config={"input_shape": list(input_shape)})


@dataclass(frozen=True)
class Derivation:
    """What a layer creates: its own weights, and the layers it builds inside itself.

    Attributes:
        weights: the weights (parameters) the layer creates itself.
        formula: the count of ``weights`` with this layer's numbers, for a layer
            that builds no others.
        children: the specs of the layers it builds, each explained beneath it.
        compose: for a layer that builds others, its formula from theirs.
        label: the class name to show, such as ``"Bidirectional(LSTM)"``.
        buffers: the state it keeps that is not a parameter (PyTorch's buffers,
            such as a batch norm's ``running_mean``), which the framework does not
            count among the parameters.
    """

    weights: tuple[Weight, ...] = ()
    formula: str | None = None
    children: tuple[Spec, ...] = ()
    compose: Callable[[Sequence[str]], str] | None = None
    label: str | None = None
    buffers: tuple[Weight, ...] = ()


@dataclass(frozen=True)
class NoFormula:
    """A built-in layer whose count lstmdoc does not derive, and why."""

    reason: str


@dataclass(frozen=True)
class Rules:
    """One framework's knowledge, as the walk reads it.

    Attributes:
        framework: the framework's name, as reports show it: ``"Keras"``, ``"PyTorch"``.
        derive: a spec's :class:`Derivation`; a :class:`NoFormula` for a built-in
            class lstmdoc has no formula for; ``None`` for a custom class or a model.
        is_model: whether a spec is a model, explained through the layers it holds.
        separator: what joins a nested layer's name to its parent's: ``/`` in
            Keras' weight paths, ``.`` in PyTorch's ``state_dict`` keys.
        declared: the class column of a weight a custom layer creates itself, such
            as ``"add_weight"``.
        declared_as: the same in words, for the note under the table, such as
            ``"created by a custom layer with add_weight"``.
        buffers: whether the framework keeps buffers apart from parameters
            (PyTorch does; Keras counts every variable as a parameter).
    """

    framework: str
    derive: Callable[[Spec], Derivation | NoFormula | None]
    is_model: Callable[[Spec], bool]
    separator: str
    declared: str
    declared_as: str
    buffers: bool = False


class LayerNode(Protocol):
    """A layer as the walk sees it: its spec, and where the framework's count is."""

    @property
    def spec(self) -> Spec:
        """The layer's spec: class name, module, config and build config."""

    def framework_params(self) -> int | None:
        """The framework's count for this layer, or ``None`` where it cannot be read."""

    def framework_buffers(self) -> int | None:
        """The framework's count of this layer's buffer values, or ``None`` if not read."""

    def sublayer(self, spec: Spec) -> LayerNode:
        """The node of a layer this layer builds, described by ``spec``."""

    def members(self) -> Sequence[LayerNode] | None:
        """The layers a model or custom layer holds, in order; ``None`` if not known."""

    def declared_weights(self) -> Sequence[Weight] | None:
        """The weights a custom layer creates itself; ``None`` if not known."""

    def declared_buffers(self) -> Sequence[Weight] | None:
        """The buffers a custom layer keeps itself; ``None`` if not known."""

    def unknown_reason(self) -> str:
        """Why a custom layer's count is not derived, for the report's note."""


@dataclass
class _Walk:
    rules: Rules
    notes: list[str] = field(default_factory=list)
    declared: list[str] = field(default_factory=list)

    def sentences(self) -> list[str]:
        """The notes gathered on the walk, and the weights counted from declared shapes."""
        notes = list(dict.fromkeys(self.notes))
        if self.declared:
            notes.append(
                f"{', '.join(self.declared)}: {self.rules.declared_as}, "
                "counted from its declared shape."
            )
        return notes

    def rows(self, node: LayerNode, prefix: str, depth: int, trainable: bool) -> list[LayerRow]:
        """The node's row, then the rows of everything inside it, in display order."""
        if depth > MAX_DEPTH:
            raise ValueError(f"layers nest more than {MAX_DEPTH} deep at {prefix!r}")
        spec = node.spec
        path = prefix + spec.name
        trainable = trainable and spec.config.get("trainable", True) is not False
        label = spec.label or spec.class_name
        if self.rules.is_model(spec):
            return self._container(node, path, label, depth, trainable)
        # A live layer whose get_config() raised is explained like a custom layer.
        derivation = None if spec.config_error else self.rules.derive(spec)
        if isinstance(derivation, Derivation):
            return self._derived(node, derivation, path, depth, trainable)
        if isinstance(derivation, NoFormula):
            return [self._not_derived(node, path, label, depth, derivation.reason)]
        reason = node.unknown_reason()
        if spec.config_error:
            reason = f"its configuration could not be read ({spec.config_error})"
        if node.members() is None:
            return [self._not_derived(node, path, label, depth, reason)]
        if spec.config_error:
            self.notes.append(f"{path} ({label}): {reason}; the layers it holds are explained.")
        return self._container(node, path, label, depth, trainable)

    def members(self, node: LayerNode, depth: int, trainable: bool) -> list[LayerRow]:
        """The rows of the layers a model holds, and of its own weights, at ``depth``."""
        rows: list[LayerRow] = []
        for member in node.members() or ():
            rows += self.rows(member, "", depth, trainable)
        for weight in node.declared_weights() or ():
            rows.append(self._declared(weight, "", depth, trainable))
        return rows

    def _derived(
        self, node: LayerNode, derivation: Derivation, path: str, depth: int, trainable: bool
    ) -> list[LayerRow]:
        inside = path + self.rules.separator
        groups = [
            self.rows(node.sublayer(child), inside, depth + 1, trainable)
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
            derivation.label or node.spec.label or node.spec.class_name,
            depth,
            formula,
            derivation.weights,
            heads,
            node,
            trainable,
            basis="formula",
            buffers=derivation.buffers,
        )
        return [head, *(row for group in groups for row in group)]

    def _container(
        self, node: LayerNode, path: str, label: str, depth: int, trainable: bool
    ) -> list[LayerRow]:
        inside = path + self.rules.separator
        inner = [self.rows(member, inside, depth + 1, trainable) for member in node.members() or ()]
        inner += [
            [self._declared(weight, inside, depth + 1, trainable)]
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
            node,
            trainable,
            basis="sum",
            buffers=tuple(node.declared_buffers() or ()),
        )
        return [head, *(row for group in inner for row in group)]

    def _declared(self, weight: Weight, prefix: str, depth: int, trainable: bool) -> LayerRow:
        counted = weight.trainable and trainable
        self.declared.append(f"{prefix}{weight.name}")
        return LayerRow(
            name=f"{prefix}{weight.name}",
            layer=self.rules.declared,
            depth=depth,
            formula=shape_formula(weight.shape),
            params=weight.count,
            trainable_params=weight.count if counted else 0,
            non_trainable_params=0 if counted else weight.count,
            framework_params=weight.count,
            derived=False,
            basis="declared",
            weights=(weight,),
        )

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
            buffer_size=None if self.rules.buffers else 0,
            framework_buffer_size=node.framework_buffers(),
        )


def walk_members(node: LayerNode, rules: Rules) -> tuple[list[LayerRow], list[str]]:
    """Return the rows of a model's layers (depth 0 and below) and the notes about them.

    Rows of layers without weights or buffers are left out, unless the framework
    counts some that lstmdoc does not.
    """
    walk = _Walk(rules)
    rows = walk.members(node, 0, node.spec.config.get("trainable", True) is not False)
    return [row for row in rows if not _empty(row)], walk.sentences()


def walk_layer(node: LayerNode, rules: Rules) -> tuple[list[LayerRow], list[str]]:
    """Return the rows of a single layer (depth 0) and what is inside it."""
    walk = _Walk(rules)
    rows = walk.rows(node, "", 0, True)
    return [row for row in rows if not _empty(row)], walk.sentences()


# --- private helpers ----------------------------------------------------------------------


def _row(
    path: str,
    label: str,
    depth: int,
    formula: str | None,
    weights: Sequence[Weight],
    heads: Sequence[LayerRow],
    node: LayerNode,
    trainable: bool,
    *,
    basis: str,
    buffers: Sequence[Weight] = (),
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
    inner_buffers = [head.buffer_size for head in heads]
    buffer_size = (
        sum(buffer.count for buffer in buffers)
        + sum(size for size in inner_buffers if size is not None)
        if all(size is not None for size in inner_buffers)
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
        framework_params=node.framework_params(),
        derived=known and all(head.derived for head in heads),
        basis=basis,
        weights=tuple(weights),
        note=None,
        buffers=tuple(buffers),
        buffer_size=buffer_size,
        framework_buffer_size=node.framework_buffers(),
    )


def _summed(heads: Sequence[LayerRow], weights: Sequence[Weight]) -> str | None:
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
    return (
        row.params == 0
        and row.framework_params in (0, None)
        and row.buffer_size == 0
        and row.framework_buffer_size in (0, None)
    )
