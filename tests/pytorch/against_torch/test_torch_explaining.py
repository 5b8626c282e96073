"""Tests for lstmdoc.pytorch.explaining against real PyTorch: live modules and saved state_dicts.

Every count lstmdoc derives from a module's constructor arguments is checked
against PyTorch's own, ``sum(p.numel())`` of that module's parameters, over random
stacks of PyTorch's modules (hypothesis), and each random model's ``state_dict``,
saved to a file and explained from it, gives the same rows.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import lstmdoc
from tests._formulas import evaluate

ROOT = Path(__file__).resolve().parents[3]
RECURRENT = {"LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell"}
SIZES = st.integers(min_value=1, max_value=6)
STACKS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OPTIONS = settings(max_examples=40, deadline=None)


# --- random modules: every class with a rule, with every option that changes the count ---


@st.composite
def recurrent_modules(draw):
    kind = draw(st.sampled_from(["LSTM", "GRU", "RNN"]))
    hidden = draw(st.integers(min_value=2, max_value=6))
    options = {
        "num_layers": draw(st.integers(min_value=1, max_value=3)),
        "bias": draw(st.booleans()),
        "bidirectional": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
    }
    if kind == "LSTM":
        options["proj_size"] = draw(st.integers(min_value=0, max_value=hidden - 1))
    if kind == "RNN":
        options["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    return getattr(nn, kind)(draw(SIZES), hidden, **options)


@st.composite
def cells(draw):
    kind = draw(st.sampled_from([nn.LSTMCell, nn.GRUCell, nn.RNNCell]))
    return kind(draw(SIZES), draw(SIZES), bias=draw(st.booleans()))


@st.composite
def convolutions(draw):
    dimensions = draw(st.integers(min_value=1, max_value=3))
    transposed = draw(st.booleans())
    groups = draw(st.integers(min_value=1, max_value=3))
    kind = getattr(nn, f"Conv{'Transpose' if transposed else ''}{dimensions}d")
    window = tuple(draw(st.integers(min_value=1, max_value=3)) for _ in range(dimensions))
    return kind(
        groups * draw(SIZES),
        groups * draw(SIZES),
        window,
        groups=groups,
        bias=draw(st.booleans()),
    )


@st.composite
def norms(draw):
    features = draw(SIZES)
    kind = draw(st.sampled_from(["batch", "instance", "layer", "group", "rms"]))
    if kind in {"batch", "instance"}:
        dimensions = draw(st.integers(min_value=1, max_value=3))
        name = f"{'BatchNorm' if kind == 'batch' else 'InstanceNorm'}{dimensions}d"
        return getattr(nn, name)(
            features,
            affine=draw(st.booleans()),
            track_running_stats=draw(st.booleans()),
            bias=draw(st.booleans()),
        )
    if kind == "layer":
        shape = tuple(draw(st.lists(SIZES, min_size=1, max_size=2)))
        return nn.LayerNorm(shape, elementwise_affine=draw(st.booleans()), bias=draw(st.booleans()))
    if kind == "rms":
        return nn.RMSNorm(draw(SIZES), elementwise_affine=draw(st.booleans()))
    groups = draw(SIZES)
    return nn.GroupNorm(
        groups, groups * features, affine=draw(st.booleans()), bias=draw(st.booleans())
    )


@st.composite
def attention(draw):
    heads = draw(st.integers(min_value=1, max_value=3))
    width = heads * draw(SIZES)
    return nn.MultiheadAttention(
        width,
        heads,
        bias=draw(st.booleans()),
        add_bias_kv=draw(st.booleans()),
        kdim=draw(st.none() | SIZES),
        vdim=draw(st.none() | SIZES),
        batch_first=draw(st.booleans()),
    )


@st.composite
def transformer_layers(draw):
    heads = draw(st.integers(min_value=1, max_value=2))
    options = {
        "d_model": heads * draw(st.integers(min_value=1, max_value=4)),
        "nhead": heads,
        "dim_feedforward": draw(SIZES),
        "bias": draw(st.booleans()),
        "dropout": 0.0,
    }
    kind = draw(st.sampled_from([nn.TransformerEncoderLayer, nn.TransformerDecoderLayer]))
    return kind(**options)


LEAVES = st.one_of(
    st.builds(nn.Linear, SIZES, SIZES, bias=st.booleans()),
    st.builds(nn.Bilinear, SIZES, SIZES, SIZES, bias=st.booleans()),
    st.builds(
        nn.Embedding,
        st.integers(min_value=2, max_value=9),
        SIZES,
        padding_idx=st.none() | st.just(0),
    ),
    st.builds(nn.EmbeddingBag, SIZES, SIZES),
    st.builds(nn.PReLU, SIZES),
    st.builds(nn.ReLU),
    recurrent_modules(),
    cells(),
    convolutions(),
    norms(),
    attention(),
    transformer_layers(),
)


class Block(nn.Module):  # type: ignore[misc]  # torch is untyped here
    """A custom module: the modules it holds, and perhaps a parameter and a buffer of its own."""

    def __init__(self, parts, own_shape, buffer_shape):
        super().__init__()
        for index, part in enumerate(parts):
            setattr(self, f"part{index}", part)
        if own_shape is not None:
            self.scale = nn.Parameter(torch.zeros(own_shape))
        if buffer_shape is not None:
            self.register_buffer("steps", torch.zeros(buffer_shape))


def containers(children):
    shapes = st.none() | st.lists(SIZES, min_size=0, max_size=2).map(tuple)
    parts = st.lists(children, min_size=1, max_size=3)
    return st.one_of(
        st.builds(lambda modules: nn.Sequential(*modules), parts),
        st.builds(nn.ModuleList, parts),
        st.builds(Block, parts, shapes, shapes),
    )


MODELS = st.recursive(LEAVES, containers, max_leaves=6).map(
    lambda model: Block([model], None, None)
)


def pytorch_count(module: nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())


def assert_explained(model: nn.Module) -> lstmdoc.ModelReport:
    """Every row of the model's report agrees with PyTorch, by the checks of this module."""
    report = lstmdoc.explain(model)
    modules = dict(model.named_modules())
    parameters = dict(model.named_parameters())
    for row in report.rows:
        assert row.params is not None, row
        if row.basis == "declared":  # a custom module's own nn.Parameter
            assert row.params == parameters[row.name].numel(), row
            continue
        module = modules[row.name] if row.depth or row.name in modules else model
        assert row.params == pytorch_count(module), row
        assert row.buffer_size == sum(buffer.numel() for buffer in module.buffers()), row
        assert row.check in {"ok", "declared"}, row
        if row.basis == "formula":
            assert row.derived, row
            assert evaluate(str(row.formula)) == row.params, row
            own = [(n, tuple(p.shape)) for n, p in module.named_parameters(recurse=False)]
            assert [(w.name, w.shape) for w in row.weights] == own, row
            buffers = [(n, tuple(b.shape)) for n, b in module.named_buffers(recurse=False)]
            assert sorted((b.name, b.shape) for b in row.buffers) == sorted(buffers), row
    assert report.derived_params == pytorch_count(model) == report.total_params
    assert report.buffer_size == sum(buffer.numel() for buffer in model.buffers())
    return report


def saved_report(model: nn.Module) -> lstmdoc.ModelReport:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.pt"
        torch.save(model.state_dict(), path)
        return lstmdoc.explain_file(path)


class TestLiveModules:
    @STACKS
    @given(model=MODELS)
    def test_random_stacks(self, model):
        """Every row is derived or declared, equals PyTorch's count, and the rows add up."""
        report = assert_explained(model)
        declared = any(row.basis == "declared" for row in report.rows)
        assert report.all_derived or declared

    @OPTIONS
    @given(module=recurrent_modules() | cells())
    def test_every_recurrent_option(self, module):
        """LSTM, GRU and RNN with every option, and the cells, alone: one derived row."""
        report = assert_explained(module)
        (row,) = report.rows
        assert (row.name, row.layer, row.check) == (type(module).__name__,) * 2 + ("ok",)

    def test_the_readers_lstm(self):
        """torch.nn.LSTM(1, 20) reads 4 × 20 × (1 + 20 + 2) = 1,840, as PyTorch counts."""
        (row,) = lstmdoc.explain(nn.LSTM(1, 20)).rows
        assert (row.formula, row.params, row.framework_params) == (
            "4 × 20 × (1 + 20 + 2)",
            1840,
            1840,
        )

    def test_a_whole_transformer(self):
        """nn.Transformer is explained by recursion, every row derived, down to out_proj."""
        model = nn.Transformer(
            d_model=8,
            nhead=2,
            num_encoder_layers=2,
            num_decoder_layers=1,
            dim_feedforward=16,
            dropout=0.0,
            batch_first=True,
        )
        report = assert_explained(model)
        assert report.all_derived
        assert max(row.depth for row in report.rows) == 4
        assert "encoder.layers.0.self_attn.out_proj" in [row.name for row in report.rows]

    def test_batch_norm_statistics_are_buffers(self):
        """BatchNorm1d(128): 2 × 128 parameters; its statistics are 257 buffer values."""
        report = lstmdoc.explain(nn.Sequential(nn.BatchNorm1d(128)))
        (row,) = report.rows
        assert (row.formula, row.params, row.buffer_size) == ("2 × 128", 256, 257)
        assert [buffer.name for buffer in row.buffers] == [
            "running_mean",
            "running_var",
            "num_batches_tracked",
        ]
        assert "buffers" in report.text(wide=True).splitlines()[2]

    def test_frozen_parameters_are_non_trainable(self):
        """requires_grad=False moves a parameter to the non-trainable count."""
        model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
        model[0].weight.requires_grad_(False)
        first, second = lstmdoc.explain(model).rows
        assert (first.trainable_params, first.non_trainable_params) == (4, 12)
        assert second.non_trainable_params == 0

    def test_a_parametrized_module_is_explained_through_what_it_holds(self):
        """weight_norm replaces Linear's weight by two tensors: counted from their shapes."""
        model = nn.Sequential(nn.utils.parametrizations.weight_norm(nn.Linear(2, 3)))
        report = lstmdoc.explain(model)
        assert report.derived_params == pytorch_count(model) == 3 + 3 + 6
        assert {row.name for row in report.rows if row.basis == "declared"} == {
            "0.bias",
            "0.parametrizations.weight.original0",
            "0.parametrizations.weight.original1",
        }

    def test_a_module_without_a_formula_is_listed_not_crashed(self):
        """A built-in class lstmdoc has no rule for shows PyTorch's count and "not derived"."""
        unknown = nn.Module()
        unknown.__class__ = type("Unknown", (nn.Module,), {"__module__": "torch.nn.modules.x"})
        unknown.register_parameter("weight", nn.Parameter(torch.zeros(3)))
        row = lstmdoc.explain(nn.Sequential(unknown)).rows[0]
        assert (row.params, row.framework_params, row.check) == (None, 3, "not derived")
        assert "no formula for torch.nn.Unknown" in str(lstmdoc.explain(nn.Sequential(unknown)))

    def test_tied_weights_count_once_where_first_met(self):
        """A parameter shared by two modules counts at the first; the second says where it is."""
        embedding, decoder = nn.Embedding(10, 4), nn.Linear(4, 10, bias=False)
        decoder.weight = embedding.weight
        report = lstmdoc.explain(nn.Sequential(embedding, decoder))
        first, second = report.rows
        assert (first.params, second.params) == (40, 0)
        assert report.derived_params == report.total_params == 40
        assert second.check == "shared"
        assert second.shared == (("weight", "0.weight"),)
        assert report.agrees or all(row.agrees for row in report.rows)
        assert "DISAGREEMENT" not in report.text(wide=True)
        saved = lstmdoc.explain_state_dict(nn.Sequential(embedding, decoder).state_dict())
        assert saved.derived_params == saved.total_params == 40

    def test_a_lazy_module_is_refused(self):
        """A lazy module before its first forward pass has no shapes: a clear ValueError."""
        with pytest.raises(ValueError, match=r"uninitialized \(a lazy module\)"):
            lstmdoc.explain(nn.Sequential(nn.LazyLinear(3)))


class TestSavedStateDicts:
    @STACKS
    @given(model=MODELS)
    def test_a_saved_state_dict_gives_the_same_rows(self, model):
        """The file's recurrent rows, and every recognised class's, equal the live ones."""
        live = {row.name: row for row in lstmdoc.explain(model).rows}
        stored = saved_report(model)
        for row in stored.rows:
            if row.basis == "formula":  # a class recognised from the tensors
                assert row.params == live[row.name].params, row
                assert row.buffer_size == live[row.name].buffer_size, row
        for name, row in live.items():
            if row.layer in RECURRENT:
                twin = next(found for found in stored.rows if found.name == name)
                assert (twin.formula, twin.params, twin.weights, twin.check) == (
                    row.formula,
                    row.params,
                    row.weights,
                    "ok",
                )
                assert twin.layer.startswith(f"{row.layer}(")

    @OPTIONS
    @given(module=recurrent_modules() | cells())
    def test_the_constructor_call_is_read_back(self, module):
        """The call printed for a saved recurrent module rebuilds its exact state_dict."""
        (row,) = saved_report(module).rows
        rebuilt = eval(f"nn.{row.layer}", {"nn": nn})
        expected = {name: tuple(t.shape) for name, t in module.state_dict().items()}
        assert {name: tuple(t.shape) for name, t in rebuilt.state_dict().items()} == expected

    def test_a_checkpoint_under_model_state_dict(self, tmp_path):
        """A training checkpoint's state_dict is found under its key, and the note says so."""
        path = tmp_path / "checkpoint.pth"
        model = nn.LSTM(3, 5)
        torch.save({"epoch": 4, "model_state_dict": model.state_dict()}, path)
        report = lstmdoc.explain_file(path)
        assert report.rows[0].params == pytorch_count(model)
        assert "'model_state_dict' entry" in report.notes[0]


def write_marker(path: str) -> None:
    """What the pickled model below runs when it is unpickled: it leaves a file."""
    Path(path).write_text("unpickled", encoding="utf-8")


class Trap(nn.Module):  # type: ignore[misc]  # torch is untyped here
    """A module whose unpickling calls write_marker: proof that a load ran its code."""

    def __init__(self, marker: Path):
        super().__init__()
        self.marker = str(marker)
        self.linear = nn.Linear(2, 2)

    def __reduce__(self):
        return write_marker, (self.marker,)


def lstmdoc_explain(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lstmdoc", "explain", str(path), "--wide"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


class TestTheCommandLine:
    def test_explains_a_state_dict(self, tmp_path):
        """lstmdoc explain model.pt prints the constructor call and PyTorch's count."""
        path = tmp_path / "tagger.pt"
        torch.save(nn.Sequential(nn.LSTM(32, 64, bidirectional=True)).state_dict(), path)
        result = lstmdoc_explain(path)
        assert result.returncode == 0, result.stderr
        assert "LSTM(32, 64, bidirectional=True)  2 × 4 × 64 × (32 + 64 + 2)" in result.stdout
        assert "each agrees with PyTorch" in result.stdout

    def test_a_pickled_model_is_refused_and_never_runs(self, tmp_path):
        """torch.save(model) is refused in one line, and the code it pickled does not run."""
        marker, path = tmp_path / "marker.txt", tmp_path / "trap.pt"
        torch.save(Trap(marker), path)
        result = lstmdoc_explain(path)
        assert (result.returncode, result.stdout) == (2, "")
        assert len(result.stderr.splitlines()) == 1
        assert "holds pickled Python objects" in result.stderr
        assert not marker.exists()
        # The trap is real: a plain torch.load would have run it.
        load = f"import torch; torch.load({str(path)!r}, weights_only=False)"
        subprocess.run([sys.executable, "-c", load], cwd=ROOT, check=True, capture_output=True)
        assert marker.read_text(encoding="utf-8") == "unpickled"

    def test_a_whole_sequential_is_refused(self, tmp_path):
        """A whole model of PyTorch's own classes is refused too: only tensors are read."""
        path = tmp_path / "model.pt"
        torch.save(nn.Sequential(nn.Linear(2, 2)), path)
        result = lstmdoc_explain(path)
        assert result.returncode == 2
        assert "save model.state_dict() instead" in result.stderr

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"not a checkpoint", "is not a readable PyTorch file"),
            ([1, 2], "holds list, not a state_dict"),
            ({"epoch": 3}, "a dictionary without tensors"),
        ],
    )
    def test_other_files_are_refused_in_one_line(self, tmp_path, content, message):
        """A corrupt file, a list, a dictionary without tensors: one line, exit status 2."""
        path = tmp_path / "bad.pth"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            torch.save(content, path)
        result = lstmdoc_explain(path)
        assert result.returncode == 2
        assert len(result.stderr.splitlines()) == 1
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_rule_sources_name_real_files():
    """Each rule names the PyTorch file and __init__ it was read from, and both exist."""
    from lstmdoc.pytorch import registry as torch_modules  # noqa: PLC0415

    installed = Path(torch.__file__).parent
    for name, rule in torch_modules.MODULE_RULES.items():
        file, function = rule.source.split(", ")
        source = (installed.parent / file).read_text(encoding="utf-8")
        owner = function.removesuffix(".__init__")
        assert f"class {owner}(" in source, name


def test_a_keras_model_on_the_pytorch_backend_is_explained_as_keras():
    """On Keras' PyTorch backend a Keras model is an nn.Module too: Keras' rules still apply."""
    import keras  # noqa: PLC0415  (the session runs Keras on PyTorch)

    model = keras.Sequential([keras.Input(shape=(5, 1)), keras.layers.LSTM(20)])
    assert isinstance(model, nn.Module)
    report = lstmdoc.explain(model)
    assert (report.framework, report.rows[0].formula) == ("Keras", "4 × 20 × (1 + 20 + 1)")


def test_parameter_containers_hold_declared_parameters():
    """ParameterList and ParameterDict hold parameters directly: each is a declared row."""
    holder = nn.Module()
    holder.weights = nn.ParameterList([nn.Parameter(torch.zeros(2, 3))])
    report = lstmdoc.explain(holder)
    assert [(row.name, row.params, row.check) for row in report.rows] == [
        ("weights", 6, "declared"),
        ("weights.0", 6, "declared"),
    ]
