"""Tests for lstmdoc.report's layouts: the text and HTML tables show the report's rows and nothing else."""

from __future__ import annotations

import dataclasses
import html.parser

from lstmdoc.report import LayerRow, LayerWeight, ModelReport, OptimizerRow, presentation


def row(name, depth=0, params=8, framework=8, derived=True, basis="formula", formula=None):
    return LayerRow(
        name=name,
        layer="Dense" if basis != "declared" else "add_weight",
        depth=depth,
        formula=formula or (None if params is None else str(params)),
        params=params,
        trainable_params=params,
        non_trainable_params=None if params is None else 0,
        framework_params=framework,
        derived=derived,
        basis=basis,
    )


NESTED = ModelReport(
    "model",
    (
        row("encoder", 0, 30, 30, basis="sum", formula="20 + 10"),
        row("encoder/lstm", 1, 20, 20),
        row("encoder/dense", 1, 10, 10),
        row("head", 0, 5, 5),
    ),
    35,
)


def _html(report: ModelReport) -> str:
    return report._repr_html_()


class TableCells(html.parser.HTMLParser):
    """Collect every table row's cells, and each first cell's style."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.styles: list[str] = []
        self.caption = ""
        self.paragraphs: list[str] = []
        self._in = ""

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in {"td", "th", "caption", "p"}:
            self._in = tag
            if tag in {"td", "th"}:
                if not self.rows[-1]:
                    self.styles.append(dict(attrs).get("style") or "")
                self.rows[-1].append("")
            if tag == "p":
                self.paragraphs.append("")

    def handle_endtag(self, tag):
        if tag in {"td", "th", "caption", "p"}:
            self._in = ""

    def handle_data(self, data):
        if self._in == "caption":
            self.caption += data
        elif self._in == "p":
            self.paragraphs[-1] += data
        elif self._in:
            self.rows[-1][-1] += data


class TestText:
    def test_nested_rows_are_indented_beneath_their_layer(self):
        """Each row is indented two spaces per depth, named by the last part of its path."""
        lines = NESTED.text(wide=True).splitlines()
        assert lines[0] == "Model 'model': 35 parameters (35 trainable, 0 non-trainable)"
        assert lines[2].split() == [
            "layer",
            "class",
            "formula",
            "lstmdoc",
            "Keras",
            "check",
            "trainable",
            "non-trainable",
        ]
        body = [line for line in lines if line.startswith("  ") and "Dense" in line]
        assert [len(line) - len(line.lstrip()) for line in body] == [2, 4, 4, 2]
        assert [line.split()[0] for line in body] == ["encoder", "lstm", "dense", "head"]
        total = next(line for line in lines if line.strip().startswith("total"))
        assert total.split() == ["total", "35", "35", "35", "0"]
        assert lines[-1] == "lstmdoc derives every layer's count, and each agrees with Keras."

    def test_an_empty_report(self):
        """A report without rows says no layer owns weights."""
        assert str(ModelReport("m", (), 0)).splitlines()[-1] == "No layer owns weights."

    def test_every_kind_of_gap_is_said_under_the_table(self):
        """Disagreements, rows without a formula, declared weights and notes are all spelled out."""
        report = ModelReport(
            "m",
            (
                row("wrong", framework=9),
                row("custom", params=None, derived=False, basis="none"),
                row("mine", 0, 4, 4, derived=False, basis="sum"),
                row("mine/w", 1, 4, 4, derived=False, basis="declared"),
            ),
            30,
            notes=("custom (Custom): a note.",),
        )
        text = report.text(wide=True)
        assert (
            "DISAGREEMENT: lstmdoc's count differs from Keras' for wrong (lstmdoc 8, Keras 9)."
            in text
        )
        assert "lstmdoc has no formula for custom: Keras' count is shown alone." in text
        assert "custom (Custom): a note." in text
        assert "lstmdoc derives every layer" not in text
        assert presentation.title(report) == "Model 'm': 30 parameters (Keras' count)"

    def test_the_optimizer_line(self):
        """With an optimizer, its formula, count, the framework's count and the reason follow the table."""
        report = ModelReport(
            "m",
            (row("dense"),),
            8,
            optimizer=OptimizerRow("Adam", "2 × 8 + 2", 18, 18, "Adam keeps two."),
        )
        text = str(report)
        assert "Optimizer params (Adam): 2 × 8 + 2 = 18; Keras: 18, ok." in text
        assert "Adam keeps two." in text

    def test_the_framework_is_named(self):
        """Another framework's name heads its column and its sentences."""
        report = ModelReport("m", (row("linear", framework=9),), 9, framework="PyTorch")
        text = report.text(wide=True)
        assert "PyTorch's for linear" in text
        assert text.splitlines()[2].split()[4] == "PyTorch"


class TestHtml:
    def test_the_html_table_has_the_text_table_cells(self):
        """_repr_html_ holds a cell per value, nested rows padded by depth, the verdict beneath."""
        parser = TableCells()
        parser.feed(_html(NESTED))
        header, *body, total = parser.rows
        # Keras' count equals lstmdoc's on every row, and nothing is non-trainable: the
        # check column, headed "Keras", says so, and the split would only repeat it.
        assert header == ["layer", "formula", "lstmdoc", "Keras"]
        # Each layer's class is under its name, in the same cell.
        assert [cells[0] for cells in body] == [
            "encoderDense",
            "lstmDense",
            "denseDense",
            "headDense",
        ]
        assert [text.replace("\xa0", " ") for text in body[0][1:3]] == ["20 + 10", "30"]
        indents = [style.partition("padding-left: ")[2] for style in parser.styles[1:-1]]
        assert indents == ["", "2em", "2em", ""]
        markup = _html(NESTED)
        assert markup.count('class="c-params n') == 6  # heading, rows and total, set right
        assert (total[0], total[2]) == ("total", "35")
        assert parser.caption == presentation.title(NESTED)
        assert parser.paragraphs == list(NESTED.table().sentences)

    def test_names_are_escaped_and_differences_stand_out(self):
        """Markup in a name is escaped; a DIFFERS check is bold and names the framework."""
        report = ModelReport("a<b>&c", (row("x<y>", framework=9),), 9)
        markup = _html(report)
        assert "a<b>" not in markup
        assert "x<y>" not in markup
        assert '<span class="alarm">DIFFERS from Keras</span>' in markup


class TestBuffers:
    REPORT = ModelReport(
        "tagger",
        (
            dataclasses.replace(
                row("encoder", 0, 30, 30, basis="sum", formula="20 + 10"),
                buffer_size=4,
                framework_buffer_size=4,
            ),
            LayerRow(
                name="encoder.norm",
                layer="BatchNorm1d",
                depth=1,
                formula="2 × 4",
                params=8,
                trainable_params=8,
                non_trainable_params=0,
                framework_params=8,
                derived=True,
                basis="formula",
                buffers=(LayerWeight("running_mean", (4,), False),),
                buffer_size=4,
                framework_buffer_size=4,
            ),
        ),
        30,
        framework="PyTorch",
        separator=".",
        total_buffer_size=4,
    )

    def test_a_buffers_column_and_sentence_appear_only_with_buffers(self):
        """Buffers get their own column and a sentence; a report without them gets neither."""
        text = self.REPORT.text(wide=True)
        header = text.splitlines()[2].split()
        assert header[5:7] == ["check", "buffers"]
        # A nested row shows its short name, after PyTorch's ".".
        assert any(line.split()[:2] == ["norm", "BatchNorm1d"] for line in text.splitlines())
        assert "Buffers are not parameters, and PyTorch does not count them" in text
        assert text.splitlines()[0].endswith("; 4 buffer values, not counted")
        assert "buffers" not in str(NESTED)
        assert "<th" in _html(self.REPORT)
        assert ">buffers</th>" in _html(self.REPORT)

    def test_buffers_that_differ_are_a_disagreement(self):
        """lstmdoc's buffers against the framework's: a difference is shown, not hidden."""
        differing = dataclasses.replace(self.REPORT.rows[1], framework_buffer_size=5)
        report = dataclasses.replace(self.REPORT, rows=(self.REPORT.rows[0], differing))
        assert differing.check == "DIFFERS"
        assert "encoder.norm (buffers: lstmdoc 4, PyTorch 5)" in report.text(wide=True)
