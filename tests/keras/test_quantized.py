"""The rules of lstmdoc.keras.quantized against real Keras: live, and from saved files."""

from __future__ import annotations

import math
import warnings

import keras
import pytest
from keras import layers
from keras.quantizers import Int4QuantizationConfig

import lstmdoc
from lstmdoc.keras import registry
from lstmdoc.keras.specs import spec_of
from lstmdoc.report.rules import Derivation, NoFormula
from tests._keras_models import assert_matches_keras, model_of, save

# Each quantizable class, as a model factory: (layer, input shape, input dtype).
LAYERS = {
    "Dense": lambda **options: (layers.Dense(7, **options), (5,), None),
    "Dense on rank 3, no bias": lambda **options: (
        layers.Dense(6, use_bias=False, **options),
        (3, 300),
        None,
    ),
    "EinsumDense into heads": lambda **options: (
        layers.EinsumDense("abc,cde->abde", (None, 2, 4), bias_axes="de", **options),
        (3, 5),
        None,
    ),
    "EinsumDense out of heads": lambda **options: (
        layers.EinsumDense("abcd,cde->abe", (None, 4), **options),
        (3, 2, 5),
        None,
    ),
    "EinsumDense transposed kernel": lambda **options: (
        layers.EinsumDense("abcd,dce->abce", (None, 6, 3), **options),
        (4, 6, 5),
        None,
    ),
    "Embedding": lambda **options: (layers.Embedding(300, 7, **options), (3,), "int32"),
    "ReversibleEmbedding": lambda **options: (
        layers.ReversibleEmbedding(30, 7, tie_weights=False, **options),
        (3,),
        "int32",
    ),
}

MODES = {
    "int8": ("int8", None),
    "int4 in blocks of 128": ("int4", None),  # Keras' default int4
    "int4 in blocks of 2": ("int4", Int4QuantizationConfig(block_size=2)),
    "int4 per channel": ("int4", Int4QuantizationConfig(block_size=-1)),
    "float8": ("float8", None),
}


def quantized(name: str, mode: str, *, lora_rank: int | None = None) -> keras.Model:
    """A model of the layer ``name``, quantized to ``mode``, with LoRA if ``lora_rank``."""
    layer, shape, dtype = LAYERS[name](lora_rank=lora_rank)
    model = model_of(layer, shape, dtype=dtype)
    kind, config = MODES[mode]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns where a layer has no such mode
        model.quantize(kind, config=config)
    return model


def weights(row) -> list[tuple[str, tuple[int, ...], bool]]:
    return sorted((weight.name, weight.shape, weight.trainable) for weight in row.weights)


def keras_weights(layer) -> list[tuple[str, tuple[int, ...], bool]]:
    return sorted((w.name, tuple(w.shape), bool(w.trainable)) for w in layer.weights)


class TestLiveQuantizedLayers:
    @pytest.mark.parametrize("mode", MODES)
    @pytest.mark.parametrize("name", LAYERS)
    def test_each_variable_as_keras_creates_it(self, name, mode):
        """Each variable quantize() leaves, by name, shape and trainable flag, and Keras' count."""
        model = quantized(name, mode)
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        (row,) = report.rows
        assert weights(row) == keras_weights(model.layers[-1])

    @pytest.mark.parametrize("mode", ["int8", "int4 in blocks of 2", "int4 per channel"])
    @pytest.mark.parametrize("name", ["Dense", "EinsumDense into heads", "Embedding"])
    def test_lora_on_a_quantized_layer(self, name, mode):
        """LoRA's factors train beside the frozen quantized kernel, sized by the float one."""
        model = quantized(name, mode, lora_rank=2)
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        (row,) = report.rows
        assert weights(row) == keras_weights(model.layers[-1])
        assert "LoRA factors" in str(row.note)

    def test_lora_enabled_after_quantizing(self):
        """enable_lora on an int8 Dense shows in its config, and so in the derivation."""
        model = quantized("Dense", "int8")
        model.layers[-1].enable_lora(3)
        assert_matches_keras(lstmdoc.explain(model), model)

    def test_keras_counts_an_int8_value_as_one(self):
        """count_params counts a variable's values, whatever their dtype: int8 as float."""
        model = quantized("Dense", "int8")
        kernel = next(w for w in model.layers[-1].weights if w.name == "kernel")
        assert kernel.dtype == "int8"
        assert model.count_params() == sum(math.prod(w.shape) for w in model.weights)
        (row,) = lstmdoc.explain(model).rows
        assert row.formula == "7 + 5 × 7 + 7"

    def test_the_note_says_what_is_stored(self):
        """The row's note, repeated under the table (unwrapped), says how the kernel is stored."""
        report = lstmdoc.explain(quantized("Dense", "int4 in blocks of 128"))
        (row,) = report.rows
        assert row.note is not None
        assert "packed two to an int8, (5, 4)" in row.note
        assert "block of 128 inputs" in row.note
        assert any(row.note in note for note in report.notes)
        assert row.note in report.text()

    def test_float8s_history_length_comes_from_its_policy(self):
        """A float8 policy's amax_history_length sizes the three histories of maxima."""
        policy = keras.dtype_policies.QuantizedFloat8DTypePolicy(
            "float8", "float32", amax_history_length=16
        )
        model = model_of(layers.Dense(3, dtype=policy), (4,))
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        assert report.rows[0].formula == "4 × 3 + 3 + 1 + 16 + 1 + 16 + 1 + 16"

    def test_a_policy_map_is_read_by_the_live_layers_path(self):
        """With a DTypePolicyMap (keras-hub's), each live layer is derived by its own policy."""
        policy_map = keras.dtype_policies.DTypePolicyMap()
        policy_map["mapped/quantized"] = keras.dtype_policies.get("int8_from_float32")
        model = keras.Sequential(
            [
                keras.Input(shape=(5,)),
                layers.Dense(4, name="quantized", dtype=policy_map),
                layers.Dense(3, name="float", dtype=policy_map),
            ],
            name="mapped",
        )
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        assert ["quantized to int8" in str(row.note) for row in report.rows] == [True, False]


# GPTQ and AWQ calibrate on data; a layer built on their policy holds what a calibrated,
# saved layer holds.
CALIBRATED = ["gptq/4/-1", "gptq/8/4", "gptq/3/4", "awq/4/4", "awq/4/-1"]


class TestGPTQAndAWQ:
    @pytest.mark.parametrize("policy", CALIBRATED)
    @pytest.mark.parametrize(
        ("factory", "shape"),
        [
            (lambda dtype: layers.Dense(7, dtype=dtype), (9,)),
            (lambda dtype: layers.EinsumDense("ab,bc->ac", 7, bias_axes="c", dtype=dtype), (9,)),
            (
                lambda dtype: layers.EinsumDense(
                    "abc,cde->abde", (None, 2, 3), bias_axes="de", dtype=dtype
                ),
                (4, 9),
            ),
            (lambda dtype: layers.EinsumDense("abcd,cde->abe", (None, 9), dtype=dtype), (4, 2, 3)),
        ],
    )
    def test_each_variable_as_keras_creates_it(self, policy, factory, shape):
        """The transposed uint8 kernel, its scales, zero points and g_idx, as Keras builds them."""
        model = model_of(factory(f"{policy}_from_float32"), shape)
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        assert weights(report.rows[0]) == keras_weights(model.layers[-1])


class TestSavedQuantizedModels:
    @pytest.mark.parametrize(
        ("name", "mode"),
        [
            ("Dense", "int8"),
            ("Dense", "int4 in blocks of 2"),
            ("Dense", "float8"),
            ("EinsumDense into heads", "int4 per channel"),
            ("EinsumDense transposed kernel", "int8"),
            ("Embedding", "int4 in blocks of 128"),
            ("ReversibleEmbedding", "int4 in blocks of 2"),
        ],
    )
    def test_the_file_gives_keras_count(self, tmp_path, name, mode):
        """A saved quantized model is derived from its file as live, and as Keras loads it."""
        model = quantized(name, mode)
        path = save(model, tmp_path / "quantized.keras")
        report = lstmdoc.explain_file(path)
        loaded = keras.saving.load_model(path)
        assert report.total_params == loaded.count_params() == model.count_params()
        (row,) = report.rows
        live = lstmdoc.explain(model).rows[0]
        assert (row.formula, row.check, row.note) == (live.formula, "ok", live.note)
        assert weights(row) == weights(live)

    @pytest.mark.parametrize(
        ("name", "mode"), [("Dense", "int8"), ("Embedding", "int4 in blocks of 2")]
    )
    def test_lora_factors_are_not_saved_but_counted(self, tmp_path, name, mode):
        """Keras merges LoRA into the kernel when saving, and makes new factors when loading."""
        model = quantized(name, mode, lora_rank=2)
        path = save(model, tmp_path / "lora.keras")
        report = lstmdoc.explain_file(path)
        assert report.total_params == keras.saving.load_model(path).count_params()
        assert report.agrees
        assert any("saves no LoRA factors" in note for note in report.notes)

    def test_a_float_layer_with_lora_too(self, tmp_path):
        """The same holds without quantization: the file stores no factors, Keras counts them."""
        model = model_of(layers.Dense(7, lora_rank=2), (5,))
        report = lstmdoc.explain_file(save(model, tmp_path / "lora.keras"))
        assert (report.total_params, report.rows[0].framework_params) == (66, 66)
        assert report.agrees


def spec(layer: keras.layers.Layer, dtype) -> Derivation | NoFormula | None:
    """Derive the serialized ``layer`` built on (None, 5), with its dtype policy replaced."""
    serialized = keras.layers.serialize(layer)
    serialized["config"]["dtype"] = dtype
    serialized["build_config"] = {"input_shape": [None, 5]}
    return registry.derive(spec_of(serialized))


class TestWhatIsNotDerived:
    def test_an_einsum_equation_with_an_ellipsis(self):
        """Keras 3.15 cannot quantize an EinsumDense whose equation has an ellipsis: neither can lstmdoc."""
        derived = spec(layers.EinsumDense("...b,bc->...c", 4), "int8_from_float32")
        assert isinstance(derived, NoFormula)
        assert "ellipsis" in derived.reason

    def test_lora_on_gptq(self):
        """Keras refuses LoRA on a GPTQ layer, so a configuration with both is not derived."""
        derived = spec(layers.Dense(4, lora_rank=2), "gptq/4/-1_from_float32")
        assert isinstance(derived, NoFormula)
        assert "LoRA" in derived.reason

    def test_an_embedding_in_float8(self):
        """Keras quantizes embeddings to int8 and int4 only."""
        derived = spec(layers.Embedding(10, 4), "float8_from_float32")
        assert isinstance(derived, NoFormula)
        assert "int8 or int4 only" in derived.reason

    def test_a_class_keras_does_not_quantize(self):
        """A quantized policy on a class without quantized variables says which classes have them."""
        derived = spec(layers.Conv1D(2, 3), "int8_from_float32")
        assert isinstance(derived, NoFormula)
        assert "Dense, EinsumDense, Embedding" in derived.reason

    def test_a_policy_map(self):
        """A DTypePolicyMap keys its policies by layer paths, which no layer config holds."""
        policy_map = keras.dtype_policies.DTypePolicyMap()
        policy_map["model/dense"] = keras.dtype_policies.get("int8_from_float32")
        derived = spec(layers.Dense(4), keras.dtype_policies.serialize(policy_map))
        assert isinstance(derived, NoFormula)
        assert "DTypePolicyMap" in derived.reason
