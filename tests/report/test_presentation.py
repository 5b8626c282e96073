"""Tests for lstmdoc.report.presentation: the verdict under a report never contradicts itself."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lstmdoc.report import LayerRow, ModelReport, OptimizerRow
from lstmdoc.report.presentation import disagreement_sentences

COUNT = st.integers(min_value=0, max_value=50)
MAYBE = st.none() | COUNT


@st.composite
def rows(draw) -> LayerRow:
    params = draw(MAYBE)
    framework = draw(st.sampled_from([params, None]) | MAYBE)
    return LayerRow(
        name=draw(st.sampled_from(["a", "b", "c/d"])),
        layer="Dense",
        depth=draw(st.integers(0, 2)),
        formula=None if params is None else str(params),
        params=params,
        trainable_params=params,
        non_trainable_params=None if params is None else 0,
        framework_params=framework,
        derived=params is not None and draw(st.booleans()),
        basis=draw(st.sampled_from(["formula", "sum", "declared", "shared", "none"])),
        buffer_size=draw(MAYBE),
        framework_buffer_size=draw(MAYBE),
    )


@st.composite
def reports(draw) -> ModelReport:
    made = tuple(draw(st.lists(rows(), max_size=5)))
    optimizer = draw(
        st.none()
        | st.builds(
            OptimizerRow, st.just("Adam"), st.just("1"), MAYBE, MAYBE, st.just("Adam keeps...")
        )
    )
    return ModelReport(
        "model",
        made,
        draw(MAYBE),
        framework=draw(st.sampled_from(["Keras", "PyTorch"])),
        optimizer=optimizer,
        total_buffer_size=draw(MAYBE),
    )


@settings(max_examples=400, deadline=None)
@given(reports())
def test_the_verdict_says_what_the_values_say(report):
    """DISAGREEMENT is said exactly when a count differs; agreement only when none does."""
    text = str(report)
    disagrees = "DISAGREEMENT" in text
    assert disagrees == bool(disagreement_sentences(report))
    assert disagrees == bool(
        report.disagreements
        or (
            report.derived_params not in (None, report.total_params)
            and report.total_params is not None
        )
        or (
            report.total_buffer_size is not None
            and report.buffer_size not in (None, report.total_buffer_size)
        )
        or (report.optimizer is not None and report.optimizer.check == "DIFFERS")
    )
    says_all_agree = "agrees with" in text
    assert not (disagrees and says_all_agree)
    assert ("lstmdoc derives every layer's count" in text) == (report.agrees and bool(report.rows))
    assert not (report.agrees and disagrees)
