"""Tests for lstmdoc.pytorch.costs: each module's mult-adds, against PyTorch's FlopCounterMode.

The truth is ``torch.utils.flop_counter.FlopCounterMode``, which counts the FLOPs
of every matrix product and convolution PyTorch runs, two for each multiply-add.
The module runs in train mode, so that ``MultiheadAttention`` and
``TransformerEncoderLayer`` take their composite path, whose products
``FlopCounterMode`` sees (their fused fast path is one kernel it does not count),
and with oneDNN off, so that a recurrent module runs as the matrix products it is
made of rather than one fused kernel.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import lstmdoc


def measured(module: torch.nn.Module, *inputs: torch.Tensor) -> int:
    """The multiply-adds PyTorch runs for ``module(*inputs)``: FlopCounterMode's FLOPs / 2."""
    module.train()
    with warnings.catch_warnings():
        # mkldnn.flags sets oneDNN's TF32 flag as it was, which warns on a CPU-only build.
        warnings.filterwarnings("ignore", "TF32 acceleration", UserWarning)
        with (
            torch.backends.mkldnn.flags(enabled=False),
            FlopCounterMode(display=False) as counter,
            torch.no_grad(),
        ):
            module(*inputs)
    flops = int(counter.get_total_flops())
    assert flops % 2 == 0
    return flops // 2


def explained(module: torch.nn.Module, *inputs: torch.Tensor) -> lstmdoc.ModelReport:
    return lstmdoc.explain(module, input_data=inputs[0] if len(inputs) == 1 else inputs)


RECURRENT: list[Any] = [
    pytest.param(torch.nn.LSTM(3, 8), (5, 2, 3), id="lstm"),
    pytest.param(torch.nn.LSTM(3, 8, num_layers=3, batch_first=True), (2, 5, 3), id="lstm-3"),
    pytest.param(torch.nn.LSTM(3, 8, bidirectional=True), (5, 3), id="lstm-bi-unbatched"),
    pytest.param(torch.nn.LSTM(3, 8, proj_size=4), (5, 2, 3), id="lstm-proj"),
    pytest.param(
        torch.nn.LSTM(3, 8, num_layers=2, bidirectional=True, proj_size=4, batch_first=True),
        (2, 5, 3),
        id="lstm-2-bi-proj",
    ),
    pytest.param(torch.nn.GRU(3, 8, num_layers=2, bias=False), (5, 2, 3), id="gru-2"),
    pytest.param(torch.nn.GRU(3, 8, bidirectional=True, batch_first=True), (2, 5, 3), id="gru-bi"),
    pytest.param(torch.nn.RNN(3, 8, num_layers=3, nonlinearity="relu"), (5, 2, 3), id="rnn-3"),
    pytest.param(torch.nn.RNN(3, 8, bidirectional=True), (5, 2, 3), id="rnn-bi"),
    pytest.param(torch.nn.LSTMCell(3, 8), (4, 3), id="lstm-cell"),
    pytest.param(torch.nn.GRUCell(3, 8), (3,), id="gru-cell-unbatched"),
    pytest.param(torch.nn.RNNCell(3, 8, bias=False), (4, 3), id="rnn-cell"),
]

CONVOLUTIONS: list[Any] = [
    pytest.param(torch.nn.Conv1d(4, 6, 3), (2, 4, 11), id="conv1d"),
    pytest.param(torch.nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), (4, 9), id="conv1d-g"),
    pytest.param(torch.nn.Conv2d(4, 8, 3, groups=4, padding="same"), (2, 4, 7, 9), id="conv2d-dw"),
    pytest.param(
        torch.nn.Conv2d(4, 8, (3, 2), stride=(2, 1), dilation=2, bias=False),
        (2, 4, 11, 9),
        id="conv2d-strided",
    ),
    pytest.param(torch.nn.Conv3d(2, 4, 2, groups=2), (1, 2, 4, 5, 6), id="conv3d"),
    pytest.param(
        torch.nn.ConvTranspose1d(4, 6, 3, stride=2, groups=2), (2, 4, 9), id="transpose1d"
    ),
    pytest.param(torch.nn.ConvTranspose2d(3, 5, 2), (2, 3, 4, 4), id="transpose2d"),
    pytest.param(torch.nn.ConvTranspose3d(2, 2, 2, stride=2), (1, 2, 3, 3, 3), id="transpose3d"),
]


class TestAgainstFlopCounterMode:
    # PyTorch warns that oneDNN runs no projected LSTM, when lstmdoc's pass runs one.
    @pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")
    @pytest.mark.parametrize(("module", "size"), RECURRENT)
    def test_recurrent_modules_and_cells(self, module, size):
        """LSTM, GRU and RNN, stacked, bidirectional, projected, batched or not; their cells."""
        inputs = torch.zeros(size)
        assert explained(module, inputs).mult_adds == measured(module, inputs)

    @pytest.mark.parametrize(("module", "size"), CONVOLUTIONS)
    def test_convolutions(self, module, size):
        """Conv1d to Conv3d with groups, stride, padding and dilation; transposed ones too."""
        inputs = torch.zeros(size)
        assert explained(module, inputs).mult_adds == measured(module, inputs)

    @pytest.mark.parametrize("size", [(6,), (4, 6), (2, 3, 4, 6)])
    def test_linear_applies_to_every_row_of_its_input(self, size):
        """A Linear's figure is in × out for every row of the input, whatever its rank."""
        linear = torch.nn.Linear(6, 5)
        inputs = torch.zeros(size)
        assert explained(linear, inputs).mult_adds == measured(linear, inputs)

    @pytest.mark.parametrize(
        ("attention", "batch_first"),
        [
            (torch.nn.MultiheadAttention(16, 4), False),
            (torch.nn.MultiheadAttention(16, 2, batch_first=True, bias=False), True),
            (torch.nn.MultiheadAttention(16, 2, kdim=6, vdim=5, batch_first=True), True),
            (torch.nn.MultiheadAttention(16, 2, add_bias_kv=True), False),
        ],
    )
    def test_multihead_attention(self, attention, batch_first):
        """Projections, QKᵀ and weights × V, and out_proj on a row of its own."""
        batch, targets, sources = 3, 7, 4
        kdim, vdim = attention.kdim, attention.vdim

        def sized(length: int, width: int) -> torch.Tensor:
            return torch.zeros((batch, length, width) if batch_first else (length, batch, width))

        query, key, value = sized(targets, 16), sized(sources, kdim), sized(sources, vdim)
        report = explained(attention, query, key, value)
        assert report.mult_adds == measured(attention, query, key, value)
        out_proj = next(row for row in report.rows if row.name.endswith("out_proj"))
        assert out_proj.mult_adds == batch * targets * 16 * 16  # by hand

    def test_transformer_encoder_layer(self):
        """A container's figure is its modules': attention, the feed-forward Linears, the norms."""
        torch.manual_seed(0)
        layer = torch.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
        inputs = torch.zeros(3, 7, 16)
        report = explained(layer, inputs)
        assert report.mult_adds == measured(layer, inputs)
        rows = {row.name: row for row in report.rows}
        assert rows["linear1"].mult_adds == 3 * 7 * 32 * 16  # by hand
        assert rows["norm1"].mult_adds == 0

    def test_a_module_called_twice_computes_twice(self):
        """The same Linear applied twice in forward counts both calls."""

        class Twice(torch.nn.Module):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                self.linear = torch.nn.Linear(4, 4)

            def forward(self, inputs: torch.Tensor) -> torch.Tensor:
                return self.linear(self.linear(inputs))

        model = Twice()
        inputs = torch.zeros(2, 4)
        report = explained(model, inputs)
        assert report.mult_adds == measured(model, inputs) == 2 * 2 * 4 * 4
        assert report.rows[0].mult_adds_formula == "2 × 2 × 4 × 4"  # two calls of 2 rows

    def test_a_tagger_of_embedding_lstm_norm_and_linear(self):
        """A model of several families: its total, and each row, as PyTorch runs them."""

        class Tagger(torch.nn.Module):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                self.embed = torch.nn.Embedding(100, 16)
                self.lstm = torch.nn.LSTM(16, 32, batch_first=True, bidirectional=True)
                self.norm = torch.nn.LayerNorm(64)
                self.head = torch.nn.Linear(64, 5)

            def forward(self, indices: torch.Tensor) -> torch.Tensor:
                features, _ = self.lstm(self.embed(indices))
                return self.head(self.norm(features))

        model = Tagger()
        indices = torch.zeros(2, 7, dtype=torch.long)
        report = explained(model, indices)
        assert report.mult_adds == measured(model, indices)
        rows = {row.name: row for row in report.rows}
        assert rows["lstm"].mult_adds == measured(model.lstm, torch.zeros(2, 7, 16))
        assert rows["embed"].mult_adds == 0
        assert rows["head"].mult_adds_formula == "14 × 5 × 64"


class TestWhereNotDerived:
    def test_without_an_input_there_are_no_mult_adds(self):
        """Without input_size or input_data nothing ran: no figure, and the report says why."""
        report = lstmdoc.explain(torch.nn.LSTM(3, 8))
        assert report.mult_adds is None
        assert report.rows[0].mult_adds is None
        text = report.text(200, columns=["params", "mult_adds"])
        assert "Mult-adds are not derived: run the module on an input" in text

    def test_a_packed_sequence_gives_no_figure(self):
        """Steps that differ from sequence to sequence: the LSTM's figure is not derived."""
        lstm = torch.nn.LSTM(3, 8)
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            torch.zeros(5, 2, 3), torch.tensor([5, 3]), enforce_sorted=True
        )
        report = lstmdoc.explain(lstm, input_data=packed)
        assert report.rows[0].mult_adds is None
        assert report.mult_adds is None

    def test_a_module_without_a_formula_leaves_the_total_unknown(self):
        """A Bilinear has no mult-adds rule: its row and the total are None, not a guess."""
        model = torch.nn.Sequential(torch.nn.Linear(3, 4))
        bilinear = torch.nn.Bilinear(3, 4, 2)
        report = lstmdoc.explain(bilinear, input_size=[(2, 3), (2, 4)])
        assert report.mult_adds is None
        assert lstmdoc.explain(model, input_size=(2, 3)).mult_adds == 2 * 3 * 4

    def test_a_custom_module_that_multiplies_in_its_own_code_is_not_zero(self):
        """A parameterless module of the user's own may multiply: its figure, and the total, are None."""

        class Gram(torch.nn.Module):  # type: ignore[misc]
            def forward(self, inputs: torch.Tensor) -> torch.Tensor:
                return inputs @ inputs.transpose(-1, -2)

        model = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU(), Gram())
        inputs = torch.zeros(2, 5, 3)
        assert (
            measured(model, inputs) > 2 * 5 * 3 * 3
        )  # Gram's products, which lstmdoc does not read
        report = explained(model, inputs)
        assert report.mult_adds is None
        assert [row.layer for row in report.rows] == ["Linear"]  # the table is as it was
        assert [row.layer for row in report.unshown] == ["Gram"]
        text = " ".join(report.text(None, columns=["params", "mult_adds"]).split())
        assert "lstmdoc does not derive the mult-adds of 2 (Gram)" in text

    def test_the_attention_fast_path_is_restored(self):
        """The pass turns PyTorch's attention fast path off, and back as it was."""
        before = torch.backends.mha.get_fastpath_enabled()
        lstmdoc.explain(torch.nn.TransformerEncoderLayer(8, 2), input_size=(3, 1, 8))
        assert torch.backends.mha.get_fastpath_enabled() == before


class TestReport:
    def test_json_has_every_rows_mult_adds_and_the_total(self):
        """to_json() gives each row's mult-adds, formula and what they are for, and the total."""
        import json  # noqa: PLC0415

        linear = torch.nn.Linear(6, 5)
        data = json.loads(lstmdoc.explain(linear, input_size=(3, 6)).to_json())
        assert data["mult_adds"] == 3 * 6 * 5
        assert data["rows"][0]["mult_adds"] == 90
        assert data["rows"][0]["mult_adds_formula"] == "3 × 5 × 6"
        assert data["rows"][0]["mult_adds_per"] is None

    def test_the_columns_are_shown_when_asked_for(self):
        """mult_adds is no default column; asked for, it shows, with the convention stated."""
        report = lstmdoc.explain(torch.nn.LSTM(1, 20, batch_first=True), input_size=(1, 20, 1))
        assert "mult-adds" not in report.text(200)
        text = report.text(200, columns=["params", "mult_adds", "mult_adds_formula"])
        # 20 steps × 4 gate blocks × 20 units × (1 feature + 20 units): the LSTM.
        assert "33,600" in text
        assert "20 × 4 × 20 × (1 + 20)" in text
        assert "for an input of size (1, 20, 1), batch included" in text
        assert "FlopCounterMode counts 2 FLOPs for each multiply-add" in text
