"""Evaluate a formula as lstmdoc prints it, for the tests of every framework (no imports of one)."""

from __future__ import annotations

import ast
import operator


def evaluate(formula: str) -> int:
    """Evaluate a printed formula such as ``4 × (3 × 3 × 8 / 2 + 1)``: +, ×, exact / only."""

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

    return walk(ast.parse(formula.replace("×", "*"), mode="eval").body)
