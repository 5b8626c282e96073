"""Tests for lstmdoc.pytorch.registry and its rule modules that need no PyTorch: each rule against hand-derived counts.

The proof against real PyTorch, over random modules, is tests/pytorch/, run by
``nox -s torch``.
"""

from __future__ import annotations

import math

import pytest

from lstmdoc.pytorch import registry as torch_modules
from lstmdoc.report.rules import Derivation, NoFormula, Spec
from tests._formulas import evaluate


def spec(class_name: str, **config) -> Spec:
    return Spec(class_name, "torch.nn.modules.x", config)


def derived(class_name: str, **config) -> Derivation:
    derivation = torch_modules.derive(spec(class_name, **config))
    assert isinstance(derivation, Derivation), derivation
    return derivation


def count(derivation: Derivation) -> int:
    return sum(math.prod(weight.shape) for weight in derivation.weights)


class TestRules:
    @pytest.mark.parametrize(
        ("class_name", "config", "formula", "total"),
        [
            (
                "Linear",
                {"in_features": 128, "out_features": 10, "bias": True},
                "10 × (128 + 1)",
                1290,
            ),
            ("Linear", {"in_features": 3, "out_features": 2, "bias": False}, "2 × 3", 6),
            (
                "Bilinear",
                {"in1_features": 3, "in2_features": 4, "out_features": 5, "bias": True},
                "5 × (3 × 4 + 1)",
                65,
            ),
            ("Embedding", {"num_embeddings": 1000, "embedding_dim": 32}, "1000 × 32", 32000),
            (
                "Conv2d",
                {
                    "in_channels": 3,
                    "out_channels": 32,
                    "kernel_size": (3, 3),
                    "groups": 1,
                    "transposed": False,
                    "bias": True,
                },
                "32 × (3 × 3 × 3 + 1)",
                896,
            ),
            (
                "ConvTranspose1d",
                {
                    "in_channels": 4,
                    "out_channels": 6,
                    "kernel_size": (5,),
                    "groups": 2,
                    "transposed": True,
                    "bias": False,
                },
                "6 × 5 × 2",
                60,
            ),
            (
                "LayerNorm",
                {"normalized_shape": (64,), "elementwise_affine": True, "bias": False},
                "64",
                64,
            ),
            ("GroupNorm", {"num_channels": 8, "affine": True, "bias": True}, "2 × 8", 16),
            ("PReLU", {"num_parameters": 5}, "5", 5),
            (
                "LSTM",
                {
                    "input_size": 1,
                    "hidden_size": 20,
                    "num_layers": 1,
                    "bias": True,
                    "bidirectional": False,
                    "proj_size": 0,
                },
                "4 × 20 × (1 + 20 + 2)",
                1840,
            ),
            (
                "LSTM",
                {
                    "input_size": 1,
                    "hidden_size": 20,
                    "num_layers": 1,
                    "bias": True,
                    "bidirectional": False,
                    "proj_size": 5,
                },
                "4 × 20 × (1 + 5 + 2) + 5 × 20",
                80 + 400 + 160 + 100,
            ),
            (
                "GRUCell",
                {"input_size": 1, "hidden_size": 20, "bias": True},
                "3 × 20 × (1 + 20 + 2)",
                1380,
            ),
        ],
    )
    def test_formula_and_count(self, class_name, config, formula, total):
        """Each rule's formula and weights give the count derived by hand."""
        derivation = derived(class_name, **config)
        assert derivation.formula == formula
        assert count(derivation) == total

    def test_batch_norm_keeps_its_statistics_as_buffers(self):
        """BatchNorm1d(128): weight and bias are parameters; three buffers beside them."""
        derivation = derived(
            "BatchNorm1d", num_features=128, affine=True, bias=True, track_running_stats=True
        )
        assert [(w.name, w.shape) for w in derivation.weights] == [
            ("weight", (128,)),
            ("bias", (128,)),
        ]
        assert [(b.name, b.shape) for b in derivation.buffers] == [
            ("running_mean", (128,)),
            ("running_var", (128,)),
            ("num_batches_tracked", ()),
        ]
        assert derivation.formula == "2 × 128"

    @pytest.mark.parametrize(
        ("packed", "bias", "extra", "total"),
        [
            (True, True, False, 4 * 8 * 9),
            (True, False, True, 4 * 8 * 8 + 2 * 8),
            (False, True, False, 8 * (8 + 3 + 5) + 3 * 8 + 8 * 9),
        ],
    )
    def test_multihead_attention(self, packed, bias, extra, total):
        """Packed or separate projections, biases and bias_kv add up to the hand count."""
        derivation = derived(
            "MultiheadAttention",
            embed_dim=8,
            kdim=8 if packed else 3,
            vdim=8 if packed else 5,
            _qkv_same_embed_dim=packed,
            in_proj_bias=bias,
            bias_k=extra,
        )
        (out_proj,) = derivation.children
        out = derived("Linear", **{k: v for k, v in out_proj.config.items() if k != "name"})
        assert count(derivation) + count(out) == total
        assert derivation.compose is not None
        formula = derivation.compose([out.formula or ""])
        assert evaluate(formula) == total

    def test_frozen_names_are_not_trainable(self):
        """A live module's frozen parameters (requires_grad=False) are marked so."""
        rule = torch_modules.derive(
            Spec(
                "Linear",
                "torch.nn.modules.linear",
                {"in_features": 2, "out_features": 2, "bias": True},
                frozen=frozenset({"weight"}),
            )
        )
        assert isinstance(rule, Derivation)
        derivation = rule
        assert [w.trainable for w in derivation.weights] == [False, True]

    def test_a_class_without_a_rule_is_not_derived_here(self):
        """Containers and unknown classes have no rule: the walk looks inside them."""
        assert torch_modules.derive(spec("Sequential")) is None
        assert torch_modules.derive(Spec("Linear", "mine")) is None

    def test_missing_or_wrong_attributes_are_said(self):
        """A rule whose attributes were not read, or do not fit, says so instead of crashing."""
        missing = torch_modules.derive(spec("Linear", in_features=2))
        assert isinstance(missing, NoFormula)
        assert "out_features, bias were not read" in missing.reason
        wrong = torch_modules.derive(spec("Linear", in_features="2", out_features=2, bias=True))
        assert isinstance(wrong, NoFormula)
        assert "in_features must be a non-negative integer" in wrong.reason

    def test_every_rule_names_its_source(self):
        """Each rule names the file of PyTorch it was read from, and an __init__."""
        for rule in torch_modules.MODULE_RULES.values():
            assert rule.source.startswith("torch/nn/modules/")
            assert rule.source.endswith(".__init__")


class TestQuantizedRules:
    def test_a_quantized_lstm_counts_0_and_says_what_it_keeps(self):
        """torch.ao's LSTM: 0 parameters; its note sizes the float LSTM's 4 × 20 × (1 + 20 + 2)."""
        config = {
            "name": "lstm",
            "input_size": 1,
            "hidden_size": 20,
            "num_layers": 1,
            "bias": True,
            "bidirectional": False,
            "dtype": "torch.qint8",
        }
        quantized = Spec("LSTM", "torch.ao.nn.quantized.dynamic.modules.rnn", config)
        derivation = torch_modules.derive(quantized)
        assert isinstance(derivation, Derivation)
        assert (derivation.weights, derivation.formula) == ((), "0")
        assert "the float LSTM's 1,840 values" in str(derivation.note)
        assert torch_modules.display_name(quantized) == "DynamicQuantizedLSTM"

    def test_the_same_name_in_torch_nn_is_the_float_rule(self):
        """nn.Linear and the quantized Linears share a name, not a rule: the module says which."""
        config = {"in_features": 3, "out_features": 2, "bias": True}
        static = Spec("Linear", "torch.ao.nn.quantized.modules.linear", config)
        assert isinstance(torch_modules.derive(static), NoFormula)  # its dtype was not read
        assert derived("Linear", **config).formula == "2 × (3 + 1)"
        assert torch_modules.display_name(static) == "QuantizedLinear"

    def test_an_unknown_quantized_dtype_is_said(self):
        """A dtype PyTorch does not quantize a Linear to is refused, with the reason."""
        config = {"in_features": 3, "out_features": 2, "bias": True, "_packed_params.dtype": "int3"}
        derivation = torch_modules.derive(Spec("Linear", "torch.ao.nn.quantized.modules.x", config))
        assert isinstance(derivation, NoFormula)
        assert "quantizes no Linear to int3" in derivation.reason


class TestStateDictRecognisers:
    def test_every_rule_is_recognised_in_a_state_dict_or_says_why(self):
        """A rule has a state_dict recogniser, or NOT_RECOGNISED says why it has none: never both."""
        for name, rule in torch_modules.MODULE_RULES.items():
            assert (rule.recognise is None) == (name in torch_modules.NOT_RECOGNISED), name
        assert set(torch_modules.NOT_RECOGNISED) <= set(torch_modules.MODULE_RULES)
