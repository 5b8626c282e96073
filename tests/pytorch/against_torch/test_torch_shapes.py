"""Tests for lstmdoc.pytorch.shapes: each row's output shape, against what PyTorch returns.

The truth is the module itself: each expected shape is that of the tensor PyTorch
returns when the same submodule is called by hand on the same input.
"""

from __future__ import annotations

import pytest
import torch

import lstmdoc


class Tagger(torch.nn.Module):  # type: ignore[misc]
    """The docs' tagger: indices in, a label per position out."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(100, 16)
        self.lstm = torch.nn.LSTM(16, 32, batch_first=True, bidirectional=True)
        self.norm = torch.nn.BatchNorm1d(7)
        self.drop = torch.nn.Dropout(0.5)
        self.head = torch.nn.Linear(64, 5)

    def forward(self, indices: torch.Tensor) -> torch.Tensor:
        features, _ = self.lstm(self.embed(indices))
        return self.head(self.drop(self.norm(features)))


def by_name(report: lstmdoc.ModelReport) -> dict[str, tuple[int | None, ...] | None]:
    return {row.name: row.output_shape for row in report.rows}


class TestOutputShapes:
    def test_each_row_has_the_shape_its_module_returns(self):
        """Every row's shape is that of the tensor the module returns, called by hand."""
        torch.manual_seed(0)
        model = Tagger()
        indices = torch.randint(0, 100, (2, 7))
        shapes = by_name(lstmdoc.explain(model, input_data=indices))
        model.eval()
        with torch.no_grad():
            embedded = model.embed(indices)
            features, _ = model.lstm(embedded)
            assert shapes["embed"] == tuple(embedded.shape)
            assert shapes["lstm"] == tuple(features.shape)  # the first of (output, (h, c))
            assert shapes["norm"] == tuple(model.norm(features).shape)
            assert shapes["head"] == tuple(model.head(features).shape) == (2, 7, 5)

    def test_input_size_runs_zeros_of_that_shape(self):
        """input_size=(1, 20, 1), as torchinfo takes it: the LSTM returns (1, 20, 20)."""
        lstm = torch.nn.LSTM(1, 20, batch_first=True)
        report = lstmdoc.explain(lstm, input_size=(1, 20, 1))
        assert report.rows[0].output_shape == tuple(lstm(torch.zeros(1, 20, 1))[0].shape)
        assert report.input == "an input of size (1, 20, 1)"

    def test_several_inputs_each_get_a_shape(self):
        """A list of sizes is one positional input each: a bilinear layer takes two."""
        bilinear = torch.nn.Bilinear(3, 4, 6)
        report = lstmdoc.explain(bilinear, input_size=[(2, 3), (2, 4)])
        expected = bilinear(torch.zeros(2, 3), torch.zeros(2, 4)).shape
        assert report.rows[0].output_shape == tuple(expected)

    def test_keyword_inputs_as_a_dict(self):
        """input_data as a dict is passed as keyword arguments."""
        attention = torch.nn.MultiheadAttention(8, 2, batch_first=True)
        query = torch.zeros(1, 5, 8)
        report = lstmdoc.explain(
            attention, input_data={"query": query, "key": query, "value": query}
        )
        # MultiheadAttention returns (output, weights): the output is shown.
        assert report.rows[0].output_shape == tuple(attention(query, query, query)[0].shape)
        assert report.input == "input data of size (1, 5, 8), (1, 5, 8), (1, 5, 8)"

    def test_the_pass_changes_nothing_in_the_model(self):
        """Run in eval mode without gradients: running statistics and modes stay as they were."""
        model = Tagger()
        model.train()
        model.lstm.eval()
        before = model.norm.running_mean.clone()
        lstmdoc.explain(model, input_data=torch.randint(0, 100, (2, 7)))
        assert torch.equal(model.norm.running_mean, before)
        assert int(model.norm.num_batches_tracked) == 0
        assert model.training
        assert model.norm.training
        assert not model.lstm.training
        assert all(parameter.grad is None for parameter in model.parameters())

    def test_the_output_column_shows_for_an_input_given(self):
        """Shapes found from the caller's input are a default column, and a sentence says for what."""
        report = lstmdoc.explain(torch.nn.Linear(4, 3), input_size=(2, 4))
        text = report.text()
        assert "output shape" in text
        assert "(2, 3)" in text
        assert "Output shapes are for an input of size (2, 4)." in text
        assert report.to_dict()["rows"][0]["output_shape"] == [2, 3]
        assert "output shape" not in lstmdoc.explain(torch.nn.Linear(4, 3)).text()

    def test_no_input_no_shapes(self):
        """Without an input, no module runs, and no row has a shape."""
        report = lstmdoc.explain(Tagger())
        assert all(row.output_shape is None for row in report.rows)
        assert report.input is None


class TestBadInputs:
    @pytest.mark.parametrize(
        ("arguments", "error", "message"),
        [
            ({"input_size": (0, 3)}, ValueError, r"input_size\[0\] must be a positive integer"),
            ({"input_size": (2.0, 3)}, TypeError, r"input_size\[0\] must be a positive integer"),
            ({"input_size": "2, 3"}, TypeError, "input_size must be a tuple of sizes"),
            ({"input_size": ()}, TypeError, "input_size must be a tuple of sizes"),
            ({"input_size": (10**5, 10**5)}, ValueError, "asks for 10,000,000,000 values"),
            (
                {"input_size": (1, 4), "input_data": torch.zeros(1, 4)},
                ValueError,
                "give one of input_size and input_data",
            ),
            ({"input_size": (2, 5)}, ValueError, r"the forward pass on an input of size \(2, 5\)"),
        ],
    )
    def test_is_refused_with_a_clear_error(self, arguments, error, message):
        with pytest.raises(error, match=message):
            lstmdoc.explain(torch.nn.Linear(4, 3), **arguments)

    def test_a_failing_forward_pass_restores_the_modes(self):
        """Embedding on float zeros fails; the model is left in train mode as it was."""
        model = Tagger()
        with pytest.raises(ValueError, match="Expected tensor for argument #1 'indices'"):
            lstmdoc.explain(model, input_size=(2, 7))
        assert model.training
        assert model.norm.training

    def test_a_meta_module_cannot_run(self):
        with torch.device("meta"):
            linear = torch.nn.Linear(4, 3)
        with pytest.raises(ValueError, match="meta device"):
            lstmdoc.explain(linear, input_size=(1, 4))


class TestDepth:
    def test_depth_folds_the_rows_beneath(self):
        """explain(model, depth=0) keeps the model's own modules; the total is unchanged."""
        model = torch.nn.Sequential(
            torch.nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), torch.nn.Linear(16, 2)
        )
        full = lstmdoc.explain(model)
        folded = lstmdoc.explain(model, depth=0)
        assert [row.name for row in folded.rows] == ["0", "1"]
        assert max(row.depth for row in full.rows) > 0
        assert (
            folded.derived_params
            == full.derived_params
            == sum(parameter.numel() for parameter in model.parameters())
        )

    def test_a_negative_depth_is_refused(self):
        with pytest.raises(ValueError, match="depth must be a non-negative integer"):
            lstmdoc.explain(torch.nn.Linear(2, 2), depth=-1)
