"""Evaluate a formula as lstmdoc prints it, for the tests of every framework (no imports of one)."""

from __future__ import annotations

import ast
import operator
import re


def evaluate(formula: str) -> int:
    """Evaluate a printed formula such as ``4 × (3 × 3 × 8 / 2 + 1)``: +, ×, exact / only.

    Thousands separators, as in ``16,640 + 128``, are read as the count column writes them.
    """

    def divide(left: int, right: int) -> int:
        assert left % right == 0, f"{left} / {right} is not whole"
        return left // right

    operators = {ast.Add: operator.add, ast.Mult: operator.mul, ast.Div: divide}

    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.BinOp) and type(node.op) in operators:
            return int(operators[type(node.op)](walk(node.left), walk(node.right)))
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        raise ValueError(f"unexpected element in formula: {ast.dump(node)}")

    plain = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", formula)
    return walk(ast.parse(plain.replace("×", "*"), mode="eval").body)


def terms(formula: str) -> list[str]:
    """The top-level terms of a formula: ``2 × (a + b) + c`` is ``["2 × (a + b)", "c"]``."""
    found, depth, start = [], 0, 0
    for index, character in enumerate(formula):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and formula.startswith(" + ", index):
            found.append(formula[start:index])
            start = index + 3
    return [*found, formula[start:]]
