"""Tests for lstmdoc.report: rows and reports, framework-neutral, built by hand."""

from __future__ import annotations

import json

import pytest

from lstmdoc.report import LayerRow, LayerWeight, ModelReport, OptimizerRow


def row(name="dense", depth=0, params=8, framework=8, derived=True, basis="formula", frozen=0):
    """A row with ``params`` values, ``frozen`` of them non-trainable."""
    return LayerRow(
        name=name,
        layer="Dense",
        depth=depth,
        formula=None if params is None else str(params),
        params=params,
        trainable_params=None if params is None else params - frozen,
        non_trainable_params=None if params is None else frozen,
        framework_params=framework,
        derived=derived,
        basis=basis,
    )


class TestLayerWeight:
    @pytest.mark.parametrize(("shape", "count"), [((1, 80), 80), ((80,), 80), ((), 1), ((2, 0), 0)])
    def test_count_is_the_product_of_the_shape(self, shape, count):
        """A weight holds the product of its shape's sizes; a scalar holds one."""
        assert LayerWeight("kernel", shape, True).count == count

    def test_to_dict(self):
        """A weight's dict has its name, its shape as a list, its count and whether it trains."""
        weight = LayerWeight("moving_mean", (4,), False)
        assert weight.to_dict() == {
            "name": "moving_mean",
            "shape": [4],
            "count": 4,
            "trainable": False,
        }


class TestLayerRow:
    @pytest.mark.parametrize(
        ("made", "check", "agrees"),
        [
            (row(), "ok", True),
            (row(framework=9), "DIFFERS", False),
            (row(params=None, derived=False, basis="none"), "not derived", False),
            (row(framework=None), "not checked", False),
            (row(derived=False, basis="declared"), "declared", True),
        ],
    )
    def test_check_says_how_the_count_stands(self, made, check, agrees):
        """check is ok, DIFFERS, not derived, not checked or declared, as the counts stand."""
        assert made.check == check
        assert made.agrees is agrees

    def test_to_dict_holds_every_field_and_the_check(self):
        """A row's dict has its fields, its depth and its check, as plain values."""
        data = row(depth=2, frozen=3).to_dict()
        assert data["depth"] == 2
        assert (data["trainable_params"], data["non_trainable_params"]) == (5, 3)
        assert data["check"] == "ok"
        assert json.loads(json.dumps(data)) == data


class TestModelReport:
    def test_totals_come_from_the_rows_of_depth_zero(self):
        """The derived totals add up the depth-0 rows; the rows beneath are already in them."""
        rows = (
            row("block", 0, 30, 30, basis="sum", frozen=4),
            row("block/a", 1, 20, 20, frozen=4),
            row("block/b", 1, 10, 10),
            row("head", 0, 5, 5),
        )
        report = ModelReport("m", rows, 35)
        assert report.top_rows == (rows[0], rows[3])
        assert (report.derived_params, report.trainable_params, report.non_trainable_params) == (
            35,
            31,
            4,
        )
        assert report.agrees

    def test_a_row_without_a_count_leaves_the_totals_unknown(self):
        """One depth-0 row without a count makes lstmdoc's totals None, not a partial sum."""
        report = ModelReport("m", (row(), row("custom", params=None, derived=False)), 16)
        assert report.derived_params is None
        assert report.trainable_params is None
        assert not report.all_derived
        assert not report.agrees

    def test_disagreements_and_the_total(self):
        """A row that differs is a disagreement; so is a total that differs from the rows."""
        differing = ModelReport("m", (row(framework=9),), 9)
        assert differing.disagreements == differing.rows
        assert not differing.agrees
        assert not ModelReport("m", (row(),), 9).agrees

    def test_declared_rows_account_for_the_count_without_agreeing(self):
        """Declared weights give a count and a total, but the report is not 'all derived'."""
        report = ModelReport(
            "m",
            (
                row("custom", 0, 6, 6, derived=False, basis="sum"),
                row("custom/w", 1, 6, 6, derived=False, basis="declared"),
            ),
            6,
        )
        assert report.derived_params == 6
        assert not report.all_derived
        assert not report.agrees
        assert report.disagreements == ()

    def test_an_optimizer_that_differs_spoils_agreement(self):
        """The optimizer's count is compared too."""
        optimizer = OptimizerRow("Adam", "2 × 8 + 2", 18, 19, "why")
        report = ModelReport("m", (row(),), 8, optimizer=optimizer)
        assert optimizer.check == "DIFFERS"
        assert not report.agrees

    @pytest.mark.parametrize(
        ("optimizer", "check"),
        [
            (OptimizerRow("Adam", "2 × 8 + 2", 18, 18, "why"), "ok"),
            (OptimizerRow("Adafactor", None, None, 30, "why"), "not derived"),
            (OptimizerRow("Adam", "2 × 8 + 2", 18, None, "why"), "not checked"),
        ],
    )
    def test_optimizer_check(self, optimizer, check):
        """The optimizer row says ok, not derived or not checked, as its counts stand."""
        assert optimizer.check == check
        assert optimizer.to_dict()["check"] == check

    def test_json_round_trip(self):
        """to_json() is to_dict() as JSON, with the framework, source and notes."""
        report = ModelReport(
            "m",
            (row(),),
            8,
            framework="PyTorch",
            optimizer=OptimizerRow("Adam", "2 × 8 + 2", 18, 18, "why"),
            source="m.pt",
            notes=("a note",),
        )
        data = json.loads(report.to_json())
        assert data == report.to_dict()
        assert (data["framework"], data["source"], data["notes"]) == ("PyTorch", "m.pt", ["a note"])
        assert data["optimizer"]["params"] == 18
