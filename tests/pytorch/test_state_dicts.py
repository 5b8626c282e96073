"""Tests for lstmdoc.pytorch.state_dicts that need no PyTorch: recognising modules from shapes.

The shapes are written here from PyTorch's documentation of torch.nn.LSTM, GRU and
RNN (the "Variables" section: weight_ih_l[k] is (gate_size, input), weight_hh_l[k]
(gate_size, proj_size or hidden_size) ...), not from lstmdoc's own shapes;
``nox -s torch`` reads real PyTorch state_dicts and files in tests/pytorch/against_torch.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lstmdoc
from lstmdoc.pytorch import state_dicts as torch_state_dicts
from tests._torch_shapes import documented_shapes


def recognised(shapes: dict[str, tuple[int, ...]]) -> torch_state_dicts.Recognised | None:
    return torch_state_dicts.recognise(torch_state_dicts.group(shapes))


class TestGroup:
    def test_tensors_are_grouped_by_module_path(self):
        """Dotted names become a tree of modules, each with its own tensors, in order."""
        root = torch_state_dicts.group(
            {"scale": (2,), "encoder.lstm.weight_ih_l0": (8, 1), "encoder.fc.bias": (3,)}
        )
        assert root.tensors == {"scale": (2,)}
        encoder = root.children["encoder"]
        assert list(encoder.children) == ["lstm", "fc"]
        assert encoder.everything() == {"lstm.weight_ih_l0": (8, 1), "fc.bias": (3,)}


class TestRecognise:
    @settings(max_examples=60, deadline=None)
    @given(
        mode=st.sampled_from(["lstm", "gru", "rnn"]),
        input_size=st.integers(min_value=1, max_value=9),
        hidden_size=st.integers(min_value=2, max_value=9),
        num_layers=st.integers(min_value=1, max_value=3),
        bias=st.booleans(),
        bidirectional=st.booleans(),
        projection=st.floats(min_value=0, max_value=0.99),
    )
    def test_recurrent_arguments_are_read_back(
        self, mode, input_size, hidden_size, num_layers, bias, bidirectional, projection
    ):
        """Every LSTM, GRU and RNN option is read back from the shapes it creates."""
        options = {"num_layers": num_layers, "bias": bias, "bidirectional": bidirectional}
        if mode == "lstm":
            options["proj_size"] = int(projection * hidden_size)
        shapes = documented_shapes(mode, input_size, hidden_size, **options)
        found = recognised(shapes)
        assert found is not None
        config = found.spec.config
        assert found.spec.class_name == mode.upper()
        assert (config["input_size"], config["hidden_size"]) == (input_size, hidden_size)
        assert {key: config[key] for key in options} == options

    def test_the_constructor_call_shows_what_is_not_a_default(self):
        """LSTM(32, 64, bidirectional=True, proj_size=16), defaults left out."""
        shapes = lstmdoc.torch_lstm_parameter_shapes(32, 64, bidirectional=True, proj_size=16)
        found = recognised(shapes)
        assert found is not None
        assert found.spec.label == "LSTM(32, 64, bidirectional=True, proj_size=16)"

    @pytest.mark.parametrize(
        ("shapes", "label"),
        [
            ({"weight": (10, 128), "bias": (10,)}, "Linear(128, 10)"),
            ({"weight": (1000, 32)}, "Linear(32, 1000, bias=False)"),
            ({"weight": (32, 3, 7, 7), "bias": (32,)}, "Conv2d(3, 32, kernel_size=(7, 7))"),
            ({"weight": (3, 32, 4), "bias": (32,)}, "ConvTranspose1d(3, 32, kernel_size=(4,))"),
            (
                {"weight": (8, 4, 3, 3, 3)},
                (
                    "Conv3d(4, 8, kernel_size=(3, 3, 3), bias=False) or "
                    "ConvTranspose3d(8, 4, kernel_size=(3, 3, 3), bias=False)"
                ),
            ),
            ({"weight": (64,), "bias": (64,)}, "LayerNorm(64)"),
            ({"weight": (64,)}, "RMSNorm(64)"),
            (
                {"weight_ih": (80, 3), "weight_hh": (80, 20), "bias_ih": (80,), "bias_hh": (80,)},
                "LSTMCell(3, 20)",
            ),
            (
                {"running_mean": (4,), "running_var": (4,), "num_batches_tracked": ()},
                "BatchNorm*d(4, affine=False)",
            ),
            (
                {
                    "in_proj_weight": (24, 8),
                    "in_proj_bias": (24,),
                    "out_proj.weight": (8, 8),
                    "out_proj.bias": (8,),
                },
                "MultiheadAttention(8, num_heads)",
            ),
            (
                {
                    "q_proj_weight": (8, 8),
                    "k_proj_weight": (8, 3),
                    "v_proj_weight": (8, 5),
                    "bias_k": (1, 1, 8),
                    "bias_v": (1, 1, 8),
                    "out_proj.weight": (8, 8),
                },
                "MultiheadAttention(8, num_heads, kdim=3, vdim=5, bias=False, add_bias_kv=True)",
            ),
        ],
    )
    def test_other_classes(self, shapes, label):
        """Linear, Embedding, the cells, batch norms and attention are recognised."""
        found = recognised(shapes)
        assert found is not None
        assert found.spec.label == label

    @pytest.mark.parametrize(
        ("name", "shapes", "label"),
        [
            ("embed_tokens", {"weight": (1000, 32)}, "Embedding(1000, 32)"),
            ("wte", {"weight": (1000, 32)}, "Embedding(1000, 32)"),
            ("lm_head", {"weight": (1000, 32)}, "Linear(32, 1000, bias=False)"),
            ("q_proj", {"weight": (32, 32)}, "Linear(32, 32, bias=False)"),
            ("gn1", {"weight": (16,), "bias": (16,)}, "GroupNorm(num_groups, 16)"),
            ("ln_1", {"weight": (16,), "bias": (16,)}, "LayerNorm(16)"),
        ],
    )
    def test_the_module_name_chooses_between_readings(self, name, shapes, label):
        """A lone weight matrix is an Embedding where the name says so, else a Linear."""
        root = torch_state_dicts.group({f"{name}.{key}": shape for key, shape in shapes.items()})
        found = torch_state_dicts.recognise(root.children[name])
        assert found is not None
        assert found.spec.label == label

    @pytest.mark.parametrize(
        "shapes",
        [
            {"weight": (32, 3, 3, 3), "bias": (7,)},  # a bias neither reading has
            {"weight": (64,), "bias": (63,)},
            {"weight_ih_l0": (80, 3), "weight_hh_l0": (80, 20), "weight_ih_l1": (80, 7)},
            {"weight": (10, 128), "bias": (11,)},
        ],
    )
    def test_what_fits_no_class_is_not_recognised(self, shapes):
        """Ambiguous or inconsistent tensors are not forced into a class."""
        assert recognised(shapes) is None
