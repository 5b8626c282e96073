"""Turn a model's layers into report rows, one rule set per framework, one walk for all.

A layer reaches this module as a :class:`~lstmdoc.report.rules.LayerNode`: its
:class:`~lstmdoc.report.rules.Spec` (the class
name, its module and its configuration) and, beside it, where the framework's own
count can be read. A live Keras layer, a layer in a ``.keras`` file, a live
PyTorch module and a module's tensors in a saved ``state_dict`` are four kinds of
node; the walk and the rows are the same for all, and the framework's
:class:`~lstmdoc.report.rules.Rules` (:data:`lstmdoc.keras.registry.RULES`,
:data:`lstmdoc.pytorch.registry.RULES`) say what each class creates.

For each layer the walk asks ``rules.derive(spec)``:

- a built-in layer gets its formula, weights and buffers; the layers it builds
  inside itself (a Bidirectional's two directions, an RNN's cells, an attention
  layer's projections) are walked in turn, one level deeper; what its rule says
  beside the weights (a quantized layer's storage) is the row's note, and a note
  under the table;
- a model, or a custom layer of a live model, is the sum of the layers it holds,
  each walked in turn, and of the weights it creates itself (Keras' ``add_weight``,
  PyTorch's ``nn.Parameter``), counted from their declared shapes and marked as such;
- anything else (a custom class in a file, whose code lstmdoc never runs) is listed
  with the framework's count alone, and a note.

A weight, or a whole layer, that the model holds in several places is counted once,
where it first appears in display order (:mod:`lstmdoc.report.sharing`); each later
place is a row that says where it lives, and adds nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.counting.formulas import shape_formula, summed
from lstmdoc.report.costs import cost_of, derived_cost, summed_cost, with_cost
from lstmdoc.report.rows import LayerRow
from lstmdoc.report.rules import Derivation, LayerNode, NoFormula, Rules, Spec
from lstmdoc.report.sharing import Claims

__all__ = ["MAX_DEPTH", "walk_layer", "walk_members"]

MAX_DEPTH = 64
"""How deep layers may nest: deeper configurations are refused as malformed."""

_SUMMED_TERMS = 6  # a container's formula lists up to this many counts, then the first and last


@dataclass
class _Walk:
    rules: Rules
    notes: list[str] = field(default_factory=list)
    declared: list[str] = field(default_factory=list)
    parameters: Claims = field(default_factory=Claims)
    buffers: Claims = field(default_factory=Claims)
    # The layers met so far, by key: where each first appears, and whether it holds anything.
    layers: dict[Hashable, tuple[str, bool]] = field(default_factory=dict)

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
        key = node.key
        if key is not None and key in self.layers:
            return self._again(path, label, depth, *self.layers[key])
        rows = self._first(node, spec, path, label, depth, trainable)
        shape = node.output_shape()
        if rows and shape is not None:
            rows[0] = replace(rows[0], output_shape=shape)
        if key is not None:
            held = bool(rows[0].params or rows[0].framework_params or rows[0].buffer_size)
            self.layers[key] = (path, held)
        return rows

    def _first(
        self, node: LayerNode, spec: Spec, path: str, label: str, depth: int, trainable: bool
    ) -> list[LayerRow]:
        """The rows of a layer met for the first time."""
        start = (self.parameters.mark(), self.buffers.mark())
        if self.rules.is_model(spec):
            return self._container(node, path, label, depth, trainable, start)
        # A live layer whose get_config() raised is explained like a custom layer.
        derivation = None if spec.config_error else self.rules.derive(spec)
        if isinstance(derivation, Derivation):
            return self._derived(node, derivation, path, depth, trainable, start)
        if isinstance(derivation, NoFormula):
            return [self._not_derived(node, path, label, depth, derivation.reason, start)]
        reason = node.unknown_reason()
        if spec.config_error:
            reason = f"its configuration could not be read ({spec.config_error})"
        if node.members() is None:
            return [self._not_derived(node, path, label, depth, reason, start)]
        if spec.config_error:
            self.notes.append(f"{path} ({label}): {reason}; the layers it holds are explained.")
        return self._container(node, path, label, depth, trainable, start)

    def members(self, node: LayerNode, depth: int, trainable: bool) -> list[LayerRow]:
        """The rows of the layers a model holds, and of its own weights and buffers, at ``depth``."""
        rows: list[LayerRow] = []
        for member in node.members() or ():
            rows += self.rows(member, "", depth, trainable)
        for weight in node.declared_weights() or ():
            rows.append(self._declared(node, weight, "", depth, trainable))
        for buffer in node.declared_buffers() or ():
            rows.append(self._declared(node, buffer, "", depth, trainable, buffer=True))
        return rows

    def _derived(
        self,
        node: LayerNode,
        derivation: Derivation,
        path: str,
        depth: int,
        trainable: bool,
        start: tuple[int, int],
    ) -> list[LayerRow]:
        inside = path + self.rules.separator
        groups = [
            self.rows(node.sublayer(child), inside, depth + 1, trainable)
            or [self._nothing(child, inside, depth + 1)]
            for child in derivation.children
        ]
        weights: Sequence[Weight] = ()
        if node.spec.subclass:  # what a subclass adds, beneath what its base class makes
            weights, members = node.added(derivation)
            groups += [self.rows(member, inside, depth + 1, trainable) for member in members]
            groups += [
                [self._declared(node, weight, inside, depth + 1, trainable)] for weight in weights
            ]
            groups = [group for group in groups if group]
        heads = [group[0] for group in groups]
        # A weight met before, in another layer (a tied weight), is counted there.
        kept, shared = [], []
        for weight in derivation.weights:
            key = node.weight_key(weight.name)
            owner = self.parameters.owner(key)
            if owner is None:
                kept.append(
                    weight
                    if weight.dtype
                    else replace(weight, dtype=node.weight_dtype(weight.name))
                )
                self.parameters.claim(key, inside + weight.name)
            else:
                shared.append((weight.name, owner))
        formula = derivation.formula
        if shared:
            formula = " + ".join(shape_formula(weight.shape) for weight in kept) or "0"
        built, added = heads[: len(derivation.children)], heads[len(derivation.children) :]
        if built:
            formulas = [head.formula for head in built]
            if derivation.compose is not None and all(head.derived for head in built):
                formula = derivation.compose([text for text in formulas if text is not None])
            else:
                formula = _summed(built, kept)
        if added:
            terms = [formula, *(head.formula for head in added if head.params != 0)]
            formula = None if None in terms else " + ".join(str(term) for term in terms)
        head = _row(
            path,
            derivation.label or node.spec.label or node.spec.class_name,
            depth,
            formula,
            kept,
            heads,
            self._counted(node, path, start),
            trainable,
            basis="shared" if shared and not kept and not derivation.children else "formula",
            buffers=derivation.buffers,
        )
        if derivation.legend and not shared and not added:
            head = replace(head, legend=derivation.legend)
        if derivation.note:
            self.notes.append(f"{path} ({head.layer}): {derivation.note}.")
            head = replace(head, note=derivation.note)
        if shared:
            where = "; ".join(f"{name} is {owner}" for name, owner in shared)
            head = replace(
                head, shared=tuple(shared), note=f"shared, and counted where first met: {where}"
            )
        head = with_cost(head, derived_cost(derivation, built, added, adds_weights=bool(weights)))
        return [head, *(row for group in groups for row in group)]

    def _container(
        self,
        node: LayerNode,
        path: str,
        label: str,
        depth: int,
        trainable: bool,
        start: tuple[int, int],
    ) -> list[LayerRow]:
        inside = path + self.rules.separator
        inner = [self.rows(member, inside, depth + 1, trainable) for member in node.members() or ()]
        inner += [
            [self._declared(node, weight, inside, depth + 1, trainable)]
            for weight in node.declared_weights() or ()
        ]
        inner = [group for group in inner if group]  # a weightless layer met again shows nothing
        heads = [group[0] for group in inner]
        head = _row(
            path,
            label,
            depth,
            _summed(heads, ()),
            (),
            heads,
            self._counted(node, path, start),
            trainable,
            basis="sum",
            buffers=tuple(node.declared_buffers() or ()),
        )
        # A custom layer's own weights are used by its own code, which no rule reads; so
        # is the input of one that holds no layers, unless its class is known to compute
        # nothing (PyTorch's ReLU, Dropout, ...).
        own = bool(node.declared_weights())
        known = self.rules.computes_nothing
        code = not heads and not (known is not None and known(node.spec))
        unread = own or code
        head = with_cost(head, None if unread else summed_cost([cost_of(row) for row in heads]))
        return [head, *(row for group in inner for row in group)]

    def _declared(
        self,
        node: LayerNode,
        weight: Weight,
        prefix: str,
        depth: int,
        trainable: bool,
        *,
        buffer: bool = False,
    ) -> LayerRow:
        """A weight (or, at the top, a buffer) a custom layer creates itself, from its shape."""
        name = f"{prefix}{weight.name}"
        key = node.weight_key(weight.name)
        claims = self.buffers if buffer else self.parameters
        owner = claims.owner(key)
        claims.claim(key, name)
        count = 0 if owner is not None else weight.count
        values = 0 if buffer else count
        counted = weight.trainable and trainable
        if owner is None and not buffer:
            self.declared.append(name)
        return LayerRow(
            name=name,
            layer="buffer" if buffer else self.rules.declared,
            depth=depth,
            formula="0" if owner is not None or buffer else shape_formula(weight.shape),
            params=values,
            trainable_params=values if counted else 0,
            non_trainable_params=0 if counted else values,
            framework_params=values,
            derived=False,
            basis="shared" if owner is not None else "declared",
            weights=() if buffer else (weight,),
            note=None if owner is None else f"the same tensor as {owner}, counted there",
            buffers=(weight,) if buffer else (),
            buffer_size=count if buffer else 0,
            framework_buffer_size=count if buffer else (0 if self.rules.buffers else None),
            shared=() if owner is None else ((weight.name, owner),),
        )

    def _not_derived(
        self,
        node: LayerNode,
        path: str,
        label: str,
        depth: int,
        reason: str,
        start: tuple[int, int],
    ) -> LayerRow:
        self.notes.append(f"{path} ({label}): {reason}.")
        framework_params, framework_buffers = self._counted(node, path, start)
        return LayerRow(
            name=path,
            layer=label,
            depth=depth,
            formula=None,
            params=None,
            trainable_params=None,
            non_trainable_params=None,
            framework_params=framework_params,
            derived=False,
            basis="none",
            note=reason,
            buffer_size=None if self.rules.buffers else 0,
            framework_buffer_size=framework_buffers,
        )

    def _again(self, path: str, label: str, depth: int, first: str, held: bool) -> list[LayerRow]:
        """A layer met before, in another place: a row that says so, and adds nothing."""
        if not held:
            return []
        return [
            LayerRow(
                name=path,
                layer=label,
                depth=depth,
                formula="0",
                params=0,
                trainable_params=0,
                non_trainable_params=0,
                framework_params=0,
                derived=True,
                basis="shared",
                note=f"the same {self.rules.kind} as {first}, counted there",
                buffer_size=0,
                framework_buffer_size=0 if self.rules.buffers else None,
                shared=(("", first),),
            )
        ]

    def _nothing(self, spec: Spec, prefix: str, depth: int) -> LayerRow:
        """A layer a rule builds that was met before and holds nothing: a row of zeros."""
        return LayerRow(
            name=prefix + spec.name,
            layer=spec.label or spec.class_name,
            depth=depth,
            formula="0",
            params=0,
            trainable_params=0,
            non_trainable_params=0,
            framework_params=0,
            derived=True,
            basis="shared",
            framework_buffer_size=0 if self.rules.buffers else None,
        )

    def _counted(
        self, node: LayerNode, path: str, start: tuple[int, int]
    ) -> tuple[int | None, int | None]:
        """The framework's parameters and buffers first met in this layer's subtree."""
        tensors = node.framework_tensors()
        if tensors is None:
            return node.framework_params(), node.framework_buffers()
        parameters, buffers = tensors
        return (
            self.parameters.counted_since(start[0], parameters, path),
            self.buffers.counted_since(start[1], buffers, path) if self.rules.buffers else None,
        )


def walk_members(
    node: LayerNode, rules: Rules
) -> tuple[list[LayerRow], list[str], tuple[LayerRow, ...]]:
    """Return the rows of a model's layers (depth 0 and below), the notes, and the unshown.

    Rows of layers without weights or buffers are left out, unless the framework
    counts some that lstmdoc does not. The unshown are those of the model's own
    layers left out whose mult-adds are not 0 (a ``Lambda``'s, not derived): the
    model's total needs them.
    """
    walk = _Walk(rules)
    rows = walk.members(node, 0, node.spec.config.get("trainable", True) is not False)
    shown = _shown(rows)
    return shown, walk.sentences(), _unshown(rows, shown)


def walk_layer(
    node: LayerNode, rules: Rules
) -> tuple[list[LayerRow], list[str], tuple[LayerRow, ...]]:
    """Return the rows of a single layer (depth 0) and what is inside it, as :func:`walk_members`."""
    walk = _Walk(rules)
    rows = walk.rows(node, "", 0, True)
    shown = _shown(rows)
    return shown, walk.sentences(), _unshown(rows, shown)


def _unshown(rows: Sequence[LayerRow], shown: Sequence[LayerRow]) -> tuple[LayerRow, ...]:
    """The model's own layers left out whose mult-adds are not 0: unknown, or products."""
    kept = {id(row) for row in shown}
    return tuple(
        row for row in rows if row.depth == 0 and id(row) not in kept and row.mult_adds != 0
    )


# --- private helpers ----------------------------------------------------------------------


def _row(
    path: str,
    label: str,
    depth: int,
    formula: str | None,
    weights: Sequence[Weight],
    heads: Sequence[LayerRow],
    framework: tuple[int | None, int | None],
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
        framework_params=framework[0],
        derived=known and all(head.derived for head in heads),
        basis=basis,
        weights=tuple(weights),
        note=None,
        buffers=tuple(buffers),
        buffer_size=buffer_size,
        framework_buffer_size=framework[1],
    )


def _summed(heads: Sequence[LayerRow], weights: Sequence[Weight]) -> str | None:
    """A container's formula: the counts of the rows beneath it (and of its own weights).

    ``16,640 + 128``, written as the count column writes them; past six, the number
    of rows added and the first and last: ``8 rows: 16,640 + 128 + … + 4,160``.
    """
    counts = [head.params for head in heads if head.params != 0]
    counts += [weight.count for weight in weights]
    if any(count is None for count in counts):
        return None
    known = [count for count in counts if count is not None]
    if len(known) > _SUMMED_TERMS:
        return f"{len(known)} rows: {known[0]:,} + {known[1]:,} + … + {known[-1]:,}"
    return summed(known)


def _shown(rows: Sequence[LayerRow]) -> list[LayerRow]:
    """The rows worth showing: those that hold something, and the rows above them.

    A layer without weights or buffers is left out, unless a row beneath it is shown
    (a shared layer's second place, inside an otherwise empty container), the
    framework counts something lstmdoc does not. What a layer left out computes is
    not lost: a container's figure sums all its layers', and the model's total those
    of :func:`_unshown` too. One pass, from the last row up.
    """
    shown = []
    below: dict[int, bool] = {}  # by depth: whether a row beneath, not yet claimed, is shown
    for row in reversed(rows):
        keep = below.pop(row.depth + 1, False) or not _empty(row)
        below[row.depth] = below.get(row.depth, False) or keep
        if keep:
            shown.append(row)
    return shown[::-1]


def _empty(row: LayerRow) -> bool:
    return (
        row.note is None
        and row.params == 0
        and row.framework_params in (0, None)
        and row.buffer_size == 0
        and row.framework_buffer_size in (0, None)
    )
