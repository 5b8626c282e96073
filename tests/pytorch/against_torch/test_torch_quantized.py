"""Tests for lstmdoc.pytorch.quantized against real PyTorch: quantized modules count 0, and say why.

Each quantized module's row is checked against PyTorch's own count (0 for a module
whose weights are packed), and its note against the float module it was made from:
the number of values it keeps is the float module's ``sum(p.numel())``.
"""

from __future__ import annotations

import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.ao import quantization
from torch.ao.nn import quantized as nnq
from torch.ao.nn.quantized import dynamic as nnqd

import lstmdoc
from lstmdoc.pytorch import quantized as quantized_rules
from lstmdoc.pytorch import registry
from lstmdoc.report.rules import Spec

SIZES = st.integers(min_value=1, max_value=6)
OPTIONS = settings(max_examples=30, deadline=None)


def pytorch_count(module: nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())


def dynamic(model: nn.Module, dtype=torch.qint8, modules=None) -> nn.Module:
    """``quantize_dynamic``, quietly: PyTorch warns that torch.ao.quantization is deprecated."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantization.quantize_dynamic(model, modules, dtype=dtype)


def assert_packed(row, float_module: nn.Module, quantized: nn.Module) -> None:
    """A quantized module's row: 0 as PyTorch counts it, and a note on what it keeps."""
    assert (row.params, row.framework_params, row.check) == (0, 0, "ok"), row
    assert pytorch_count(quantized) == 0
    assert row.derived
    assert row.layer == quantized._get_name()
    kept = f"keeps the float {type(float_module).__name__}'s {pytorch_count(float_module):,} values"
    assert kept in str(row.note), row.note
    assert "PyTorch counts 0 parameters" in str(row.note)


@st.composite
def dynamic_modules(draw):
    """A module quantize_dynamic converts by default, with the options that change its weights."""
    kind = draw(st.sampled_from(["Linear", "LSTM", "GRU", "LSTMCell", "GRUCell", "RNNCell"]))
    if kind == "Linear":
        return nn.Linear(draw(SIZES), draw(SIZES), bias=draw(st.booleans()))
    if kind in {"LSTM", "GRU"}:  # quantize_dynamic requires their biases
        return getattr(nn, kind)(
            draw(SIZES),
            draw(SIZES),
            num_layers=draw(st.integers(min_value=1, max_value=3)),
            bidirectional=draw(st.booleans()),
        )
    return getattr(nn, kind)(draw(SIZES), draw(SIZES))


class TestDynamicQuantization:
    def test_the_issues_lstm(self):
        """A quantize_dynamic LSTM is a row that says what it stores, never "No layer owns weights"."""
        model = nn.Sequential(nn.LSTM(1, 20))
        quantized = dynamic(model)  # a quantized copy: the float model stays as it was
        report = lstmdoc.explain(quantized)
        (row,) = report.rows
        assert (row.name, row.layer) == ("0", "DynamicQuantizedLSTM")
        assert_packed(row, model[0], quantized[0])
        assert "weight_ih_l0 (80, 1) and weight_hh_l0 (80, 20) as qint8" in str(row.note)
        assert "bias_ih_l0 (80,) and bias_hh_l0 (80,) as float32" in str(row.note)
        assert "No layer owns weights" not in str(report)
        assert any(str(row.note) in note for note in report.notes)
        assert report.total_params == 0
        assert report.agrees

    @OPTIONS
    @given(module=dynamic_modules(), dtype=st.sampled_from([torch.qint8, torch.float16]))
    def test_every_default_module(self, module, dtype):
        """Each module quantize_dynamic converts, in int8 or float16, counts 0 as in PyTorch."""
        quantized = dynamic(nn.Sequential(module), dtype)
        report = lstmdoc.explain(quantized)
        (row,) = report.rows
        assert_packed(row, module, quantized[0])
        stored = "qint8" if dtype == torch.qint8 else "float16"
        assert f"as {stored}" in str(row.note)
        assert ("scale and zero point" in str(row.note)) == (dtype == torch.qint8)

    def test_a_linear_without_bias_keeps_none(self):
        """A Linear without bias keeps its weight alone: its bias() unpacks to None."""
        model = nn.Linear(4, 3, bias=False)
        (row,) = lstmdoc.explain(dynamic(nn.Sequential(model))).rows
        assert "bias" not in str(row.note)

    def test_beside_float_modules(self):
        """In a model that mixes them, float rows count their parameters, quantized rows 0."""
        model = nn.Sequential(nn.Embedding(10, 4), nn.LSTM(4, 8), nn.Linear(8, 2))
        quantized = dynamic(model)
        report = lstmdoc.explain(quantized)
        assert [(row.layer, row.params) for row in report.rows] == [
            ("Embedding", 40),
            ("DynamicQuantizedLSTM", 0),
            ("DynamicQuantizedLinear", 0),
        ]
        assert report.total_params == pytorch_count(quantized) == 40
        assert report.agrees

    @pytest.mark.parametrize("dtype", [torch.quint8, torch.quint4x2])
    def test_embeddings_quantized_by_row(self, dtype):
        """Embeddings quantized weight-only keep a float scale and zero point per row."""
        model = nn.Sequential(nn.Embedding(10, 4), nn.EmbeddingBag(12, 6))
        quantized = dynamic(model, dtype, {nn.Embedding, nn.EmbeddingBag})
        for row, float_module, module in zip(
            lstmdoc.explain(quantized).rows, model, quantized, strict=True
        ):
            assert_packed(row, float_module, module)
            assert "per row" in str(row.note)

    @pytest.mark.parametrize(
        "kind", ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]
    )
    def test_dynamic_convolutions(self, kind):
        """torch.ao's dynamic convolutions, which quantize_dynamic makes only when asked."""
        window = 3 if kind.endswith("1d") else (2,) * int(kind[-2])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch warns of their poor accuracy
            module = getattr(nnqd, kind)(4, 6, window, groups=2)
        row = lstmdoc.explain(nn.Sequential(module)).rows[0]
        assert_packed(row, getattr(nn, kind)(4, 6, window, groups=2), module)


class Small(nn.Module):  # type: ignore[misc]  # torch is untyped here
    """A model for static quantization: every module kind convert() swaps."""

    def __init__(self):
        super().__init__()
        self.quant = quantization.QuantStub()
        self.conv = nn.Conv2d(3, 4, 3)
        self.norm = nn.BatchNorm2d(4)
        self.transposed = nn.ConvTranspose2d(4, 2, 2, bias=False)
        self.group = nn.GroupNorm(2, 2)
        self.instance = nn.InstanceNorm2d(2, affine=True)
        self.layer = nn.LayerNorm([7, 7])
        self.flat = nn.Flatten()
        self.linear = nn.Linear(2 * 7 * 7, 3)
        self.dequant = quantization.DeQuantStub()

    def forward(self, x):
        x = self.norm(self.conv(self.quant(x)))
        x = self.layer(self.instance(self.group(self.transposed(x))))
        return self.dequant(self.linear(self.flat(x)))


def statically_quantized() -> tuple[nn.Module, nn.Module]:
    """A float model, and a copy prepared, calibrated on random inputs and converted."""
    model = Small().eval()
    converted = Small().eval()
    converted.load_state_dict(model.state_dict())
    converted.qconfig = quantization.get_default_qconfig("x86")
    # PyTorch quantizes a transposed convolution per tensor only (no per-channel observer).
    converted.transposed.qconfig = quantization.default_qconfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantization.prepare(converted, inplace=True)
        converted(torch.randn(2, 3, 8, 8))
        quantization.convert(converted, inplace=True)
    return model, converted


class TestStaticQuantization:
    def test_each_module_as_pytorch_counts_it(self):
        """Linear and convolutions count 0; the norms their float parameters; buffers as PyTorch."""
        model, converted = statically_quantized()
        report = lstmdoc.explain(converted)
        modules = dict(converted.named_modules())
        for row in report.rows:
            module = modules[row.name]
            assert row.check == "ok", row
            assert row.params == pytorch_count(module), row
            assert row.buffer_size == sum(buffer.numel() for buffer in module.buffers()), row
            buffers = sorted((n, tuple(b.shape)) for n, b in module.named_buffers(recurse=False))
            if row.basis == "formula":
                assert sorted((b.name, b.shape) for b in row.buffers) == buffers, row
        rows = {row.name: row for row in report.rows}
        for name in ("conv", "transposed", "linear"):
            assert_packed(rows[name], getattr(model, name), modules[name])
            assert "output's scale and zero point" in str(rows[name].note)
        assert [rows[name].layer for name in ("norm", "group", "instance", "layer")] == [
            "QuantizedBatchNorm2d",
            "QuantizedGroupNorm",
            "QuantizedInstanceNorm2d",
            "QuantizedLayerNorm",
        ]
        assert report.total_params == pytorch_count(converted)
        assert report.agrees


def test_rule_sources_name_real_files():
    """Each quantized rule names the file of torch.ao and the class it was read from."""
    from pathlib import Path  # noqa: PLC0415

    installed = Path(torch.__file__).parent
    for rules in (quantized_rules.DYNAMIC_RULES, quantized_rules.STATIC_RULES):
        for name, rule in rules.items():
            file, function = rule.source.split(", ")
            source = (installed.parent / file).read_text(encoding="utf-8")
            assert f"class {function.removesuffix('.__init__')}(" in source, name


def test_the_registry_finds_a_quantized_class_by_where_pytorch_keeps_it():
    """nn.Linear and torch.ao's two Linears share a name, and each has its own rule."""
    for cls, rules in (
        (nn.Linear, registry.MODULE_RULES),
        (nnqd.Linear, quantized_rules.DYNAMIC_RULES),
        (nnq.Linear, quantized_rules.STATIC_RULES),
    ):
        spec = Spec(cls.__name__, cls.__module__)
        assert registry.rule_of(spec) is rules["Linear"]
