"""Tests for lstmdoc.counting.expressions: the small language the families are written in.

Python itself is the independent truth: every expression of the language is Python,
and must evaluate as Python evaluates it.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmdoc.counting import expressions

NAMES = {"units": 20, "features": 1, "use_bias": True, "sizes": [3, 5], "word": "relu"}


def python(text: str) -> object:
    """What Python makes of an expression, with the same names and functions."""
    return eval(text, {"__builtins__": {}}, {**expressions.FUNCTIONS, **NAMES})


class TestEvaluate:
    @pytest.mark.parametrize(
        "text",
        [
            "4 * units * (features + units + 1)",
            "units // 3 - features % 2",
            "-units + 1",
            "' + 1' if use_bias else ''",
            "0 or units",
            "features and units",
            "not use_bias",
            "units > features",
            "units == 20 and features != 2",
            "sizes + [units // 2, features]",
            "sizes[1]",
            "str(units) + ' × ' + word",
            "prod(sizes) * len(sizes)",
            "join(sizes + [4], ' × ')",
            "range(3)",
            "'2 × ' + ('(' + word + ')' if use_bias else word)",
        ],
    )
    def test_an_expression_means_what_it_means_in_python(self, text):
        """Arithmetic, text, flags, lists, conditions and the functions agree with Python."""
        value = expressions.evaluate(expressions.parse(text), NAMES)
        expected = python(text)
        assert value == (list(expected) if isinstance(expected, range) else expected)

    @settings(max_examples=200, deadline=None)
    @given(st.recursive(st.integers(-50, 50).map(str), lambda inner: st.tuples(
        inner, st.sampled_from(["+", "-", "*", "//", "%"]), inner
    ).map(lambda parts: f"({parts[0]} {parts[1]} {parts[2]})"), max_leaves=12))  # fmt: skip
    def test_any_integer_arithmetic_agrees_with_python(self, text):
        """Random sums, products and floor divisions come out as Python computes them."""
        try:
            expected = python(text)
        except ZeroDivisionError:
            with pytest.raises(ValueError, match="division by zero"):
                expressions.evaluate(expressions.parse(text), {})
            return
        assert expressions.evaluate(expressions.parse(text), {}) == expected

    def test_a_tree_survives_json(self):
        """A parsed tree is plain JSON, as the calculator receives it, and means the same."""
        tree = expressions.parse("join(sizes, ' × ') if use_bias else str(units * 4)")
        again = json.loads(json.dumps(tree))
        assert expressions.evaluate(again, NAMES) == expressions.evaluate(tree, NAMES) == "3 × 5"


class TestRefused:
    @pytest.mark.parametrize(
        "text",
        [
            "units.bit_length()",
            "__import__('os')",
            "open('x')",
            "[x for x in sizes]",
            "lambda: 1",
            "units ** 2",
            "1 < units < 30",
            "units / 2",
            "f'{units}'",
            "2.5",
        ],
    )
    def test_what_is_not_in_the_language_is_refused_when_parsed(self, text):
        """Attributes, calls of other functions, comprehensions and floats are not parsed."""
        with pytest.raises(ValueError, match=r"not part of the expression language|not an expr"):
            expressions.parse(text)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("nothing + 1", "'nothing' is not defined"),
            ("word - 1", "needs whole numbers"),
            ("units // 0", "division by zero"),
            ("sizes[2]", "cannot index"),
        ],
    )
    def test_a_bad_evaluation_is_a_value_error(self, text, message):
        """An undefined name or an operation that does not apply raises ValueError."""
        with pytest.raises(ValueError, match=message):
            expressions.evaluate(expressions.parse(text), NAMES)


class TestTemplates:
    def test_holes_are_filled_and_braces_kept(self):
        """A template writes each hole's value as Python would, a list as a tuple."""
        template = expressions.parse_template("{units} × ({features}{' + 1'}) {{x}} {sizes}")
        assert expressions.render(template, NAMES) == "20 × (1 + 1) {x} (3, 5)"

    @pytest.mark.parametrize("text", ["{units", "units}", "{units + }"])
    def test_a_malformed_template_is_refused(self, text):
        """An unclosed hole, a stray brace or a bad expression in a hole is a ValueError."""
        with pytest.raises(ValueError, match=r"hole|brace|expression"):
            expressions.parse_template(text)
