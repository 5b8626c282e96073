"""Tests for lstmdoc._checks: the one check of every size, flag and array that lstmdoc takes."""

from __future__ import annotations

import numpy as np
import pytest

from lstmdoc import _checks


class TestSize:
    @pytest.mark.parametrize(("value", "minimum"), [(1, 1), (7, 1), (0, 0), (np.int64(3), 1)])
    def test_whole_numbers_at_or_above_the_minimum_pass(self, value, minimum):
        """An integer, NumPy's included, at least the minimum, comes back as an int."""
        checked = _checks.size("units", value, minimum=minimum)
        assert checked == value
        assert type(checked) is int

    @pytest.mark.parametrize("value", [True, np.bool_(True), 2.0, "2", None, [2]])
    def test_a_value_of_the_wrong_type_is_a_type_error(self, value):
        """Booleans, floats (even 2.0), text and None are the wrong type, named in the message."""
        with pytest.raises(TypeError, match=r"^in_features must be a positive integer, got "):
            _checks.size("in_features", value)

    @pytest.mark.parametrize(
        ("value", "minimum", "message"),
        [
            (0, 1, r"units must be a positive integer \(1 or more\), got 0"),
            (-3, 1, r"units must be a positive integer \(1 or more\), got -3"),
            (-1, 0, r"units must be a non-negative integer, got -1"),
        ],
    )
    def test_a_number_below_the_minimum_is_a_value_error(self, value, minimum, message):
        """A negative or zero size is a wrong value, never a wrong type."""
        with pytest.raises(ValueError, match=message):
            _checks.size("units", value, minimum=minimum)


class TestSizes:
    def test_one_size_stands_for_all(self):
        """kernel_size=3 is (3, 3) for a 2-D window, as Keras reads it; so is [3]."""
        assert _checks.sizes("kernel_size", 3, length=2) == (3, 3)
        assert _checks.sizes("kernel_size", [3], length=2) == (3, 3)
        assert _checks.sizes("kernel_size", (3, 5), length=2) == (3, 5)

    def test_the_wrong_number_or_kind_of_sizes_is_refused(self):
        """Three sizes for a 2-D window, an empty list or text are refused, each by its kind."""
        with pytest.raises(ValueError, match="kernel_size must have 2 sizes, got 3"):
            _checks.sizes("kernel_size", (3, 3, 3), length=2)
        with pytest.raises(ValueError, match="at least one size"):
            _checks.sizes("shape", [])
        with pytest.raises(TypeError, match="a size or a tuple of sizes"):
            _checks.sizes("shape", "3")
        with pytest.raises(ValueError, match=r"kernel_size\[1\] must be a positive integer"):
            _checks.sizes("kernel_size", (3, 0))


class TestFlag:
    def test_only_a_bool_is_a_flag(self):
        """True and False pass; 1 and "yes" are refused with a TypeError."""
        assert _checks.flag("bias", False) is False
        for value in (1, "yes", None):
            with pytest.raises(TypeError, match="bias must be True or False"):
                _checks.flag("bias", value)


class TestFirstLine:
    def test_the_first_line_only_and_cut(self):
        """A multi-line error becomes its first line, cut to the limit with an ellipsis."""
        assert _checks.first_line(ValueError("one\ntwo")) == "one"
        assert _checks.first_line(ValueError("x" * 50), limit=10) == "xxxxxxx..."
        assert _checks.first_line(ValueError()) == "ValueError"
