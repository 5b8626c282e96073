"""A layer family as data: its arguments, its weights' shapes and its formula, as expressions.

A :class:`Family` is what ``lstmdoc count``, the home page's calculator and the
rules of :func:`lstmdoc.explain` all read for the layers readers count most (the
recurrent layers, Dense and Linear, convolutions, embeddings, attention and
normalization). :func:`breakdown` evaluates one for given arguments; the docs build
writes every family, parsed, into the calculator's page (:func:`to_json`), where
JavaScript evaluates the same expressions. See :mod:`lstmdoc.counting.expressions`
for the language.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lstmdoc import _checks
from lstmdoc.counting import expressions
from lstmdoc.counting.breakdowns import ParamBreakdown, Weight

__all__ = ["Argument", "Family", "Row", "Template", "Weights", "breakdown", "to_json"]


class Template(str):
    """Text with ``{expression}`` holes, where a plain ``str`` in a family is one expression."""

    __slots__ = ()


@dataclass(frozen=True)
class Argument:
    """One argument of a layer family, by the framework's own name for it.

    Attributes:
        name: such as ``units``, ``hidden_size`` or ``kernel_size``.
        kind: ``"size"`` (a whole number of at least ``minimum``), ``"sizes"`` (a
            list of ``length`` sizes, or of any length when ``length`` is 0; one
            size stands for all) or ``"flag"`` (True or False).
        default: the value when none is given: a value, or an expression over the
            arguments before it (``"key_dim"``); ``None`` for a required argument.
        help: what it is, in a few words, for ``--help`` and the calculator.
        minimum: the smallest size allowed (1, or 0 where 0 means "none").
        length: how many sizes a ``"sizes"`` argument holds (0: any number).
        switch: the command line's switch for a flag, such as ``--no-bias``.
    """

    name: str
    kind: str = "size"
    default: Any = None
    help: str = ""
    minimum: int = 1
    length: int = 0
    switch: str | None = None


@dataclass(frozen=True)
class Row:
    """One weight a family creates: its name, shape and meaning, and when it exists.

    ``when``, ``trainable`` and ``buffer`` are expressions; a buffer (PyTorch's
    ``running_mean``) is state that the framework does not count as a parameter.
    """

    name: str
    shape: str
    meaning: str = ""
    when: str = "True"
    trainable: str = "True"
    buffer: str = "False"


@dataclass(frozen=True)
class Weights:
    """Rows repeated for every combination of the ``each`` loops, in order.

    ``each`` pairs a name with an expression for the list it runs over, such as
    ``("layer", "range(num_layers)")``; the rows' expressions can read the name.
    """

    rows: tuple[Row, ...]
    each: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Family:
    """A layer family: everything ``lstmdoc count`` and the calculator show for it.

    Attributes:
        key: the command's name for it, such as ``lstm`` or ``torch-lstm``.
        framework: ``"Keras"`` or ``"PyTorch"``.
        layer: the class name, such as ``"LSTM"``.
        summary: one line for ``--help``.
        arguments: its arguments, in order.
        requires: conditions the arguments must meet, each with the message (a
            template) of the ``ValueError`` raised when one does not hold.
        definitions: names computed from the arguments, in order: expressions, or
            :class:`Template` texts.
        weights: the weights it creates, in the framework's order.
        formula: the count in words (a template), such as ``4 × units × (…)``.
        substituted: the count with the numbers (a template).
        call: how the layer is written in code (a template).
        title: the first line of ``lstmdoc count``'s table (a template).
        mult_adds: the multiply-adds the layer computes (an expression): those of its
            matrix products and convolutions, for the sizes its arguments give (time
            steps, positions); ``None`` where the family has no such formula.
        mult_adds_formula: the mult-adds in words (a template), such as
            ``steps × 4 × units × (features + units)``.
        mult_adds_substituted: the same with the numbers (a template).
        mult_adds_for: what they are for, such as ``for 20 time steps`` (a template).
        saved: the values the layer keeps for the backward pass, per sequence (an
            expression), as :mod:`lstmdoc.counting.activations` estimates them;
            ``None`` where the family has no estimate.
        saved_when: where the estimate holds (an expression); elsewhere it is ``None``.
        saved_formula: the saved values in words (a template).
        saved_substituted: the same with the numbers (a template).
    """

    key: str
    framework: str
    layer: str
    summary: str
    arguments: tuple[Argument, ...]
    weights: tuple[Weights, ...]
    formula: str
    substituted: str
    call: str
    title: str
    requires: tuple[tuple[str, str], ...] = ()
    definitions: tuple[tuple[str, str], ...] = field(default=())
    mult_adds: str | None = None
    mult_adds_formula: str = Template("")
    mult_adds_substituted: str = Template("")
    mult_adds_for: str = Template("")
    saved: str | None = None
    saved_when: str = "True"
    saved_formula: str = Template("")
    saved_substituted: str = Template("")

    def argument(self, name: str) -> Argument:
        """The argument called ``name``."""
        for argument in self.arguments:
            if argument.name == name:
                return argument
        raise KeyError(name)


def breakdown(family: Family, arguments: Mapping[str, Any]) -> ParamBreakdown:
    """Evaluate ``family`` for ``arguments``: its weights, formula and total.

    Missing arguments take their defaults.

    Raises:
        TypeError: an unknown or missing argument, or one of the wrong type.
        ValueError: an argument out of range, or arguments that do not fit together.
    """
    compiled = _compiled(family)
    unknown = [name for name in arguments if name not in {a.name for a in family.arguments}]
    if unknown:
        raise TypeError(f"{family.layer} takes no argument {unknown[0]!r}")
    names: dict[str, Any] = {}
    for argument, default in zip(family.arguments, compiled.defaults, strict=True):
        if argument.name in arguments:
            names[argument.name] = _checked(argument, arguments[argument.name])
        elif default is None:
            raise TypeError(f"{family.layer} needs the argument {argument.name!r}")
        else:
            names[argument.name] = _checked(argument, expressions.evaluate(default, names))
    for condition, message in compiled.requires:
        if not expressions.evaluate(condition, names):
            raise ValueError(expressions.render(message, names))
    for name, tree in compiled.definitions:
        names[name] = expressions.evaluate(tree, names)
    weights: list[Weight] = []
    buffers: list[Weight] = []
    for each, rows in compiled.weights:
        lists = [expressions.evaluate(values, names) for _, values in each]
        for combination in itertools.product(*lists):
            scope = {
                **names,
                **{name: value for (name, _), value in zip(each, combination, strict=True)},
            }
            for name, shape, meaning, when, trainable, buffer in rows:
                if expressions.evaluate(when, scope):
                    kept = buffers if expressions.evaluate(buffer, scope) else weights
                    kept.append(
                        Weight(
                            expressions.render(name, scope),
                            tuple(int(size) for size in expressions.evaluate(shape, scope)),
                            bool(expressions.evaluate(trainable, scope)),
                            expressions.render(meaning, scope),
                        )
                    )
    given = {argument.name: names[argument.name] for argument in family.arguments}
    cost = None if compiled.mult_adds is None else expressions.evaluate(compiled.mult_adds, names)
    saved = (
        None
        if compiled.saved is None or not expressions.evaluate(compiled.saved_when, names)
        else int(expressions.evaluate(compiled.saved, names))
    )
    return ParamBreakdown(
        layer=family.layer,
        framework=family.framework,
        arguments=given,
        weights=tuple(weights),
        buffers=tuple(buffers),
        formula=expressions.render(compiled.formula, names),
        substituted=expressions.render(compiled.substituted, names),
        call=expressions.render(compiled.call, names),
        title=expressions.render(compiled.title, names),
        mult_adds=None if cost is None else int(cost),
        mult_adds_formula=expressions.render(compiled.mult_adds_formula, names),
        mult_adds_substituted=expressions.render(compiled.mult_adds_substituted, names),
        mult_adds_for=expressions.render(compiled.mult_adds_for, names),
        saved_values=saved,
        saved_formula="" if saved is None else expressions.render(compiled.saved_formula, names),
        saved_substituted=(
            "" if saved is None else expressions.render(compiled.saved_substituted, names)
        ),
    )


def to_json(family: Family) -> dict[str, Any]:
    """The family, its expressions parsed, as plain values for the calculator's JavaScript."""
    compiled = _compiled(family)
    return {
        "key": family.key,
        "framework": family.framework,
        "layer": family.layer,
        "summary": family.summary,
        "arguments": [
            {
                "name": argument.name,
                "kind": argument.kind,
                "default": default,
                # An argument that defaults to another is the same as that one unless given.
                "same_as": argument.default if isinstance(argument.default, str) else None,
                "help": argument.help,
                "minimum": argument.minimum,
                "length": argument.length,
            }
            for argument, default in zip(family.arguments, compiled.defaults, strict=True)
        ],
        "requires": [list(pair) for pair in compiled.requires],
        "definitions": [list(pair) for pair in compiled.definitions],
        "weights": [
            {
                "each": [list(loop) for loop in each],
                "rows": [dict(zip(_ROW_KEYS, row, strict=True)) for row in rows],
            }
            for each, rows in compiled.weights
        ],
        "formula": compiled.formula,
        "substituted": compiled.substituted,
        "call": compiled.call,
        "title": compiled.title,
        "mult_adds": compiled.mult_adds,
        "mult_adds_formula": compiled.mult_adds_formula,
        "mult_adds_substituted": compiled.mult_adds_substituted,
        "mult_adds_for": compiled.mult_adds_for,
    }


# --- private helpers -------------------------------------------------------------------

_ROW_KEYS = ("name", "shape", "meaning", "when", "trainable", "buffer")


@dataclass(frozen=True)
class _Compiled:
    defaults: tuple[Any, ...]
    requires: tuple[tuple[Any, Any], ...]
    definitions: tuple[tuple[str, Any], ...]
    weights: tuple[tuple[tuple[tuple[str, Any], ...], tuple[tuple[Any, ...], ...]], ...]
    formula: Any
    substituted: Any
    call: Any
    title: Any
    mult_adds: Any
    mult_adds_formula: Any
    mult_adds_substituted: Any
    mult_adds_for: Any
    saved: Any
    saved_when: Any
    saved_formula: Any
    saved_substituted: Any


@functools.cache
def _compiled(family: Family) -> _Compiled:
    """The family's expressions and templates, parsed once."""

    def expression(text: str) -> Any:
        return (
            expressions.parse_template(text)
            if isinstance(text, Template)
            else expressions.parse(text)
        )

    template = expressions.parse_template
    return _Compiled(
        defaults=tuple(
            None
            if argument.default is None
            else expressions.parse(argument.default)
            if isinstance(argument.default, str)
            else argument.default
            for argument in family.arguments
        ),
        requires=tuple((expression(test), template(message)) for test, message in family.requires),
        definitions=tuple((name, expression(text)) for name, text in family.definitions),
        weights=tuple(
            (
                tuple((name, expression(values)) for name, values in group.each),
                tuple(
                    (
                        template(row.name),
                        expression(row.shape),
                        template(row.meaning),
                        expression(row.when),
                        expression(row.trainable),
                        expression(row.buffer),
                    )
                    for row in group.rows
                ),
            )
            for group in family.weights
        ),
        formula=template(family.formula),
        substituted=template(family.substituted),
        call=template(family.call),
        title=template(family.title),
        mult_adds=None if family.mult_adds is None else expression(family.mult_adds),
        mult_adds_formula=template(family.mult_adds_formula),
        mult_adds_substituted=template(family.mult_adds_substituted),
        mult_adds_for=template(family.mult_adds_for),
        saved=None if family.saved is None else expression(family.saved),
        saved_when=expression(family.saved_when),
        saved_formula=template(family.saved_formula),
        saved_substituted=template(family.saved_substituted),
    )


def _checked(argument: Argument, value: Any) -> Any:
    """An argument's value, checked and made plain: an int, a bool or a list of ints."""
    if argument.kind == "flag":
        return _checks.flag(argument.name, value)
    if argument.kind == "size":
        return _checks.size(argument.name, value, minimum=argument.minimum)
    sizes = _checks.sizes(argument.name, value, length=argument.length)
    return list(sizes)
