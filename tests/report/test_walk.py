"""Tests for lstmdoc.report.walk: how layers become rows, with a made-up framework's rules.

The framework here is a toy, so each count below is derived by hand from it: a
"Leaf" of size n owns one weight of n values; a "Box" holds other layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from lstmdoc.counting import Weight
from lstmdoc.report.rules import Derivation, NoFormula, Rules, Spec
from lstmdoc.report.walk import MAX_DEPTH, walk_layer, walk_members


def derive(spec: Spec) -> Derivation | NoFormula | None:
    if spec.class_name == "Leaf":
        size = int(spec.config["size"])
        return Derivation((Weight("w", (size,)),), str(size))
    if spec.class_name == "Odd":
        return NoFormula("it is odd")
    if spec.class_name == "Packed":  # holds values the toy framework does not count
        return Derivation(formula="0", note="it packs 6 values the toy does not count")
    return None


RULES = Rules(
    framework="Toy",
    derive=derive,
    is_model=lambda spec: spec.class_name == "Box",
    separator="/",
    declared="own",
    declared_as="a toy's own weight",
)


@dataclass
class Node:
    """A toy layer: its spec, its framework count, what it holds and declares.

    ``tensors`` names the toy framework's tensors by identity: a layer given the same
    identity as another holds the same tensor (a tied weight).
    """

    spec: Spec
    count: int | None = None
    inside: list[Node] | None = None
    own: list[Weight] = field(default_factory=list)
    key: str | None = None
    tensors: dict[str, str] = field(default_factory=dict)  # weight name -> identity

    def weight_key(self, name: str) -> str | None:
        return self.tensors.get(name)

    def weight_dtype(self, _name: str) -> None:
        return None

    def framework_tensors(self) -> tuple[list[tuple[str, int]], list[tuple[str, int]]] | None:
        if not self.tensors and not self.inside:
            return None
        found: dict[str, int] = {}
        for node in self.inside or ():
            inner = node.framework_tensors()
            if inner is None:
                return None  # a toy without identities: its framework counts stand
            found |= dict(inner[0])
        sizes = {w.name: w.count for w in self.own}
        if self.spec.class_name == "Leaf":
            sizes["w"] = int(self.spec.config["size"])
        found |= {identity: sizes[name] for name, identity in self.tensors.items()}
        return list(found.items()), []

    def added(self, _derivation: Derivation) -> tuple[list[Weight], list[Node]]:
        return [], []

    def framework_params(self) -> int | None:
        return self.count

    def framework_buffers(self) -> None:
        return None

    def sublayer(self, spec: Spec) -> Node:
        return Node(spec)

    def members(self) -> Sequence[Node] | None:
        return self.inside

    def declared_weights(self) -> Sequence[Weight]:
        return self.own

    def declared_buffers(self) -> None:
        return None

    def unknown_reason(self) -> str:
        return "a toy cannot look inside it"

    def output_shape(self) -> None:
        return None


def leaf(name: str, size: int, tensor: str | None = None) -> Node:
    node = Node(Spec("Leaf", config={"name": name, "size": size}), size)
    if tensor is not None:
        node.tensors = {"w": tensor}
    return node


def box(name: str, *inside: Node, own: Sequence[Weight] = ()) -> Node:
    total = sum(node.count or 0 for node in inside) + sum(weight.count for weight in own)
    return Node(Spec("Box", config={"name": name}), total, list(inside), list(own))


class TestContainers:
    def test_a_container_adds_up_the_rows_beneath(self):
        """A box's row is the sum of its layers, each one level deeper, its formula their sum."""
        rows, _, _unshown = walk_members(
            box("model", box("block", leaf("a", 3), leaf("b", 4))), RULES
        )
        assert [(row.name, row.depth, row.params) for row in rows] == [
            ("block", 0, 7),
            ("block/a", 1, 3),
            ("block/b", 1, 4),
        ]
        assert rows[0].formula == "3 + 4"
        assert rows[0].basis == "sum"
        assert all(row.agrees for row in rows)

    def test_more_than_six_terms_are_named_by_count(self):
        """Seven layers beneath are summed as "7 rows: " and their first and last counts."""
        rows, _, _unshown = walk_layer(
            box("block", *(leaf(f"l{i}", i + 1) for i in range(7))), RULES
        )
        assert rows[0].formula == "7 rows: 1 + 2 + … + 7"
        assert rows[0].params == 28

    def test_an_underived_layer_leaves_its_container_underived(self):
        """One layer without a formula leaves the box's count, and formula, unknown; a note says why."""
        odd = Node(Spec("Odd", config={"name": "odd"}), 5)
        rows, notes, _unshown = walk_layer(box("block", leaf("a", 3), odd), RULES)
        block, _, row = rows
        assert (row.params, row.check, row.framework_params) == (None, "not derived", 5)
        assert (block.params, block.formula, block.derived) == (None, None, False)
        assert notes == ["block/odd (Odd): it is odd."]

    def test_a_custom_class_with_nothing_to_walk_is_listed_with_the_framework_count(self):
        """A class with no rule and no members is a row of its own, with the reason."""
        custom = Node(Spec("Mine", config={"name": "mine"}), 9, inside=None)
        rows, notes, _unshown = walk_layer(custom, RULES)
        assert (rows[0].params, rows[0].framework_params) == (None, 9)
        assert notes == ["mine (Mine): a toy cannot look inside it."]

    def test_declared_weights_are_rows_and_are_named_in_a_note(self):
        """A box's own weights are rows counted from their shapes, and the note says whose."""
        rows, notes, _unshown = walk_layer(
            box("block", leaf("a", 3), own=[Weight("scale", (2, 2))]), RULES
        )
        assert [(row.name, row.layer, row.params, row.basis) for row in rows] == [
            ("block", "Box", 7, "sum"),
            ("block/a", "Leaf", 3, "formula"),
            ("block/scale", "own", 4, "declared"),
        ]
        assert notes == ["block/scale: a toy's own weight, counted from its declared shape."]

    def test_a_frozen_container_freezes_what_it_holds(self):
        """trainable=False on a box makes every count beneath it non-trainable."""
        frozen = box("block", leaf("a", 3))
        frozen.spec = Spec("Box", config={"name": "block", "trainable": False})
        rows, _, _unshown = walk_members(box("model", frozen), RULES)
        assert [(row.trainable_params, row.non_trainable_params) for row in rows] == [
            (0, 3),
            (0, 3),
        ]


class TestNotes:
    def test_a_rules_note_is_on_the_row_and_under_the_table(self):
        """A derivation's note goes on its row, and, with the row's name, into the notes."""
        packed = Node(Spec("Packed", config={"name": "packed"}), 0)
        rows, notes, _unshown = walk_members(box("model", leaf("a", 3), packed), RULES)
        assert [(row.name, row.params, row.check) for row in rows] == [
            ("a", 3, "ok"),
            ("packed", 0, "ok"),
        ]
        assert rows[1].note == "it packs 6 values the toy does not count"
        assert notes == ["packed (Packed): it packs 6 values the toy does not count."]

    def test_a_row_of_nothing_is_kept_for_its_note(self):
        """A layer that adds 0, and that the framework counts as 0, is shown if it has a note."""
        rows, _, _unshown = walk_layer(
            box("block", Node(Spec("Packed", config={"name": "p"}), 0)), RULES
        )
        assert [row.name for row in rows] == ["block", "block/p"]


def test_layers_nested_too_deep_are_refused():
    """A configuration nesting more than MAX_DEPTH layers is refused as malformed."""
    node = leaf("leaf", 1)
    for depth in range(MAX_DEPTH + 2):
        node = box(f"b{depth}", node)
    with pytest.raises(ValueError, match="nest more than 64 deep"):
        walk_layer(node, RULES)


class TestSharing:
    def test_a_tied_weight_counts_once_where_it_is_first_met(self):
        """Two layers holding one tensor: the first counts it, the second adds 0 and says where."""
        model = box("model", leaf("embedding", 40, tensor="E"), leaf("head", 40, tensor="E"))
        rows, _, _unshown = walk_members(model, RULES)
        embedding, head = rows
        assert (embedding.params, embedding.framework_params, embedding.check) == (40, 40, "ok")
        assert (head.params, head.framework_params, head.check) == (0, 0, "shared")
        assert head.shared == (("w", "embedding/w"),)
        assert "embedding/w" in str(head.note)

    def test_a_layer_held_twice_is_one_layer(self):
        """The same layer in two parents: its second place is a row that adds nothing."""
        shared = leaf("dense", 20, tensor="D")
        shared.key = "dense"
        inner = box("inner", shared)
        inner.key = "inner"
        rows, _, _unshown = walk_members(box("outer", inner, shared), RULES)
        assert [(row.name, row.params, row.framework_params, row.check) for row in rows] == [
            ("inner", 20, 20, "ok"),
            ("inner/dense", 20, 20, "ok"),
            ("dense", 0, 0, "shared"),
        ]
        assert rows[2].note == "the same layer as inner/dense, counted there"

    def test_a_weightless_layer_held_twice_shows_nothing(self):
        """A shared layer without weights needs no row in either place."""
        empty = Node(Spec("Leaf", config={"name": "act", "size": 0}), 0, key="act")
        rows, _, _unshown = walk_members(box("model", leaf("a", 3), empty, empty), RULES)
        assert [row.name for row in rows] == ["a"]
