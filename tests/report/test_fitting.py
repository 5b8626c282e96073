"""The text report fits the terminal, on real models, and loses nothing on the way.

The models are the keras-io transformer classifier, MobileNetV2 (Keras' own, built
without weights) and the PyTorch tagger of the docs, read from its state_dict's
shapes; their counts come from Keras and from the shapes, not from lstmdoc.
"""

from __future__ import annotations

import re
import subprocess
import sys

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lstmdoc
from lstmdoc.report import text
from tests._keras_models import save
from tests.pytorch.test_explaining import tagger_shapes
from tests.test_explaining import transformer_classifier

WIDTHS = [60, 80, 100, 200]


@pytest.fixture(scope="module")
def reports() -> dict[str, lstmdoc.ModelReport]:
    mobilenet = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=10)
    return {
        "transformer": lstmdoc.explain(transformer_classifier()),
        "mobilenet": lstmdoc.explain(mobilenet),
        "tagger": lstmdoc.explain_state_dict(tagger_shapes(), name="tagger"),
    }


def table_lines(text: str) -> list[str]:
    """The table's lines, between the first rule and the second."""
    lines = text.splitlines()
    rules = [index for index, line in enumerate(lines) if re.fullmatch(r"  -+", line)]
    return lines[rules[0] + 1 : rules[1]]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("model", ["transformer", "mobilenet", "tagger"])
def test_no_line_is_wider_than_the_terminal(reports, model, width):
    """At 60, 80, 100 and 200 columns, every line of the report fits."""
    text = reports[model].text(width)
    assert max(len(line) for line in text.splitlines()) <= width


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("model", ["transformer", "mobilenet", "tagger"])
def test_every_row_keeps_its_count_beside_its_name(reports, model, width):
    """Each row starts a line of its own, with its count on that line, however narrow."""
    report = reports[model]
    lines = table_lines(report.text(width))
    firsts = [line for line in lines if line[2 : 2 + 2 * 8].strip()]  # a name, not a wrap
    assert len(firsts) == len(report.rows)
    for line, row in zip(firsts, report.rows, strict=True):
        assert f" {row.params:,} " in f"{line} ", (line, row.name)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 99999), min_size=1, max_size=4), min_size=1, max_size=6),
    st.integers(4, 40),
)
def test_a_wrapped_formula_loses_nothing(products, width):
    """A formula broken over lines reads the same, its lines joined."""
    formula = " + ".join(" × ".join(map(str, factors)) for factors in products)
    lines = text._wrap_formula(formula, width)
    assert " ".join(lines) == formula
    assert all(len(line) <= width for line in lines if " " in line)  # a number is never cut


def test_wide_shows_every_column_whole(reports):
    """--wide keeps every column, the framework's count and the trainable split included."""
    text = reports["mobilenet"].text(wide=True)
    heading = text.splitlines()[2].split()
    assert heading == ["layer", "class", "formula", "lstmdoc", "Keras", "check", "trainable",
                       "non-trainable"]  # fmt: skip
    assert "…" not in text


def test_the_command_line_fits_columns(tmp_path, reports):
    """lstmdoc explain fits the terminal's COLUMNS, and --width N fits N."""
    del reports
    path = save(transformer_classifier(), tmp_path / "model.keras")
    for arguments, width in ((["--width", "64"], 64), ([], 72)):
        result = subprocess.run(
            [sys.executable, "-m", "lstmdoc", "explain", str(path), *arguments],
            capture_output=True,
            text=True,
            check=True,
            env={"COLUMNS": "72", "PATH": ""},
        )
        assert max(len(line) for line in result.stdout.splitlines()) <= width
