"""A small expression language, so that a layer's count can be data that Python and JavaScript share.

A layer family (:mod:`lstmdoc.counting.families`) writes each weight's shape, and
its formula, as expressions over the layer's arguments, in Python's own syntax::

    "4 * units"                        # a size
    "' + 1' if use_bias else ''"       # a piece of text that depends on a flag
    "4 × {units} × ({features} + {units}{bias})"   # a template: text with {holes}

:func:`parse` turns an expression into a tree of plain JSON values, and
:func:`evaluate` computes it; the home page's calculator receives the same trees,
written by the docs build, and its JavaScript evaluates them by the same rules
(``docs/_static/calculator.js``), so no formula is ever written twice.

The language is Python's expression syntax cut down to what the families need, so
that both evaluators stay small and agree exactly:

- literals: integers, strings, ``True``, ``False`` and lists;
- names of the arguments and of earlier definitions;
- ``+`` (numbers, or text, or lists), ``-``, ``*``, ``//``, ``%``, unary ``-``;
- comparisons with one operator (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``);
- ``and``, ``or`` (which return an operand, as in Python), ``not``;
- ``a if condition else b``, and ``items[index]``;
- the functions of :data:`FUNCTIONS`.

A tree is an ``int``, ``str`` or ``bool`` literal, or a one-key dictionary:
``{"name": "units"}``, ``{"list": [...]}``, ``{"op": "+", "args": [a, b]}``,
``{"if": [condition, then, else]}`` or ``{"call": "str", "args": [...]}``.
A template is ``{"template": [part, ...]}``, each part a literal text or a tree
whose value is written as text.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["FUNCTIONS", "Tree", "evaluate", "parse", "parse_template", "render", "text"]

Tree = Any
"""A parsed expression: plain JSON values (see the module's description)."""

_BINARY = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.FloorDiv: "//",
    ast.Mod: "%",
}
_COMPARE = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}


def text(value: Any) -> str:
    """A value as a template writes it: as Python writes it, with a list as a tuple, ``(3, 3)``."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        if len(value) == 1:
            return f"({text(value[0])},)"
        return "(" + ", ".join(text(item) for item in value) + ")"
    return str(value)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "str": text,
    "len": len,
    "range": lambda count: list(range(count)),
    "prod": math.prod,
    "join": lambda values, separator: separator.join(text(value) for value in values),
}
"""The functions an expression may call: ``str(x)``, ``len(items)``, ``range(n)`` (a
list), ``prod(sizes)`` and ``join(items, separator)``."""


def parse(expression: str) -> Tree:
    """Parse one expression into its tree.

    Raises:
        ValueError: the text is not an expression of this language.
    """
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError as error:
        raise ValueError(f"not an expression: {expression!r} ({error.msg})") from None
    return _tree(node, expression)


def parse_template(template: str) -> Tree:
    """Parse a template, text with ``{expression}`` holes, into its tree.

    ``{{`` and ``}}`` stand for a literal brace.
    """
    parts: list[Tree] = []
    literal: list[str] = []
    index = 0
    while index < len(template):
        character = template[index]
        if template.startswith(("{{", "}}"), index):
            literal.append(character)
            index += 2
        elif character == "{":
            end = template.find("}", index)
            if end < 0:
                raise ValueError(f"a hole is not closed in {template!r}")
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(parse(template[index + 1 : end]))
            index = end + 1
        elif character == "}":
            raise ValueError(f"a brace closes no hole in {template!r}")
        else:
            literal.append(character)
            index += 1
    if literal:
        parts.append("".join(literal))
    # A literal part is a str; a hole is a tree, which a str literal can also be: wrap
    # the literal parts so that the two cannot be confused.
    return {"template": [{"text": part} if isinstance(part, str) else part for part in parts]}


def evaluate(tree: Tree, names: Mapping[str, Any]) -> Any:  # noqa: PLR0911  (one return per kind of node)
    """The value of a tree, with ``names`` giving the arguments' and definitions' values.

    Raises:
        ValueError: a name is not defined, a function is unknown, or an operation
            does not apply to its operands (such as text minus a number).
    """
    if isinstance(tree, (bool, int, str)):
        return tree
    if not isinstance(tree, dict) or len(tree) not in (1, 2):
        raise ValueError(f"not an expression tree: {tree!r}")
    if "name" in tree:
        if tree["name"] not in names:
            raise ValueError(f"{tree['name']!r} is not defined")
        return names[tree["name"]]
    if "list" in tree:
        return [evaluate(item, names) for item in tree["list"]]
    if "if" in tree:
        condition, then, otherwise = tree["if"]
        return evaluate(then if evaluate(condition, names) else otherwise, names)
    if "template" in tree:
        return render(tree, names)
    if "call" in tree:
        function = FUNCTIONS.get(tree["call"])
        if function is None:
            raise ValueError(f"{tree['call']!r} is not a function of this language")
        return function(*(evaluate(argument, names) for argument in tree["args"]))
    if "op" in tree:
        return _operate(tree["op"], tree["args"], names)
    raise ValueError(f"not an expression tree: {tree!r}")


def render(template: Tree, names: Mapping[str, Any]) -> str:
    """The text of a template tree, each hole written with :func:`text`."""
    return "".join(
        part["text"] if isinstance(part, dict) and "text" in part else text(evaluate(part, names))
        for part in template["template"]
    )


# --- private helpers -------------------------------------------------------------------


def _operate(  # noqa: PLR0911  (one return per kind of operator)
    operator: str, arguments: Sequence[Tree], names: Mapping[str, Any]
) -> Any:
    if operator == "and":
        left = evaluate(arguments[0], names)
        return evaluate(arguments[1], names) if left else left
    if operator == "or":
        left = evaluate(arguments[0], names)
        return left if left else evaluate(arguments[1], names)
    values = [evaluate(argument, names) for argument in arguments]
    if operator == "not":
        return not values[0]
    if operator == "neg":
        return -_number(values[0], operator)
    if operator == "index":
        items, index = values
        if not isinstance(items, list) or not _is_int(index) or not 0 <= index < len(items):
            raise ValueError(f"cannot index {items!r} with {index!r}")
        return items[index]
    left, right = values
    if operator == "+":
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        if isinstance(left, list) and isinstance(right, list):
            return left + right
        return _number(left, operator) + _number(right, operator)
    if operator in {"==", "!="}:
        return (left == right) == (operator == "==")
    left, right = _number(left, operator), _number(right, operator)
    if operator in {"//", "%"} and right == 0:
        raise ValueError(f"division by zero in {left} {operator} {right}")
    operations: dict[str, Callable[[int, int], Any]] = {
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "//": lambda a, b: a // b,
        "%": lambda a, b: a % b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    if operator not in operations:
        raise ValueError(f"{operator!r} is not an operator of this language")
    return operations[operator](left, right)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any, operator: str) -> int:
    if not _is_int(value):
        raise ValueError(f"{operator} needs whole numbers, got {value!r}")
    return int(value)


def _tree(node: ast.expr, source: str) -> Tree:  # noqa: PLR0911  (one return per kind of node)
    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, str)):
        return node.value
    if isinstance(node, ast.Name):
        return {"name": node.id}
    if isinstance(node, (ast.List, ast.Tuple)):
        return {"list": [_tree(item, source) for item in node.elts]}
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return {
            "op": _BINARY[type(node.op)],
            "args": [_tree(node.left, source), _tree(node.right, source)],
        }
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        return {
            "op": "not" if isinstance(node.op, ast.Not) else "neg",
            "args": [_tree(node.operand, source)],
        }
    if isinstance(node, ast.BoolOp):
        operator = "and" if isinstance(node.op, ast.And) else "or"
        tree = _tree(node.values[0], source)
        for value in node.values[1:]:  # a and b and c is (a and b) and c
            tree = {"op": operator, "args": [tree, _tree(value, source)]}
        return tree
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        return {
            "op": _COMPARE[type(node.ops[0])],
            "args": [_tree(node.left, source), _tree(node.comparators[0], source)],
        }
    if isinstance(node, ast.IfExp):
        return {"if": [_tree(part, source) for part in (node.test, node.body, node.orelse)]}
    if isinstance(node, ast.Subscript):
        return {"op": "index", "args": [_tree(node.value, source), _tree(node.slice, source)]}
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in FUNCTIONS
        and not node.keywords
    ):
        return {"call": node.func.id, "args": [_tree(argument, source) for argument in node.args]}
    raise ValueError(
        f"{ast.unparse(node)!r} is not part of the expression language (in {source!r})"
    )
