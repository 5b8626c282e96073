"""Every Keras layer class is derived by a rule that matches Keras, or known to own no weights.

Those keras.layers exports, and those Keras defines elsewhere in keras.src (ConvNeXt's
LayerScale ...), found by importing every module of keras.src.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import shutil
import warnings
from typing import Any

import keras
import pytest
from keras import layers
from keras.src.applications import convnext

import lstmdoc
from lstmdoc.keras import registry
from lstmdoc.keras.specs import spec_of
from lstmdoc.report.rules import Derivation
from tests._keras_models import (
    assert_matches_keras,
    model_of,
    save,
)

# --- every class in keras.layers -------------------------------------------------------------


def _attention_call(layer, inputs):
    return layer(inputs)


# A built example of every Keras layer that can own weights, in a configuration that
# makes it own them: (layer factory, input shapes, how to call it, input dtype).
WEIGHTED: dict[str, tuple[Any, ...]] = {
    "AdditiveAttention": (layers.AdditiveAttention, [(5, 6), (7, 6)], _attention_call),
    "Attention": (
        lambda: layers.Attention(use_scale=True, score_mode="concat"),
        [(5, 6), (7, 6)],
        _attention_call,
    ),
    "BatchNormalization": (layers.BatchNormalization, [(4, 3)]),
    "Bidirectional": (
        lambda: layers.Bidirectional(
            layers.LSTM(3, return_sequences=True),
            backward_layer=layers.GRU(3, return_sequences=True, go_backwards=True),
        ),
        [(5, 2)],
    ),
    "Conv1D": (lambda: layers.Conv1D(4, 3, groups=2), [(8, 4)]),
    "Conv2D": (lambda: layers.Conv2D(4, 3), [(8, 8, 2)]),
    "Conv3D": (lambda: layers.Conv3D(2, 2), [(4, 4, 4, 2)]),
    "Conv1DTranspose": (lambda: layers.Conv1DTranspose(3, 2), [(6, 2)]),
    "Conv2DTranspose": (lambda: layers.Conv2DTranspose(3, 2), [(6, 6, 2)]),
    "Conv3DTranspose": (lambda: layers.Conv3DTranspose(3, 2), [(4, 4, 4, 2)]),
    "ConvLSTM1D": (lambda: layers.ConvLSTM1D(2, 3), [(3, 8, 2)]),
    "ConvLSTM2D": (lambda: layers.ConvLSTM2D(2, 3), [(3, 6, 6, 2)]),
    "ConvLSTM3D": (lambda: layers.ConvLSTM3D(2, 2), [(2, 4, 4, 4, 1)]),
    "Dense": (lambda: layers.Dense(3), [(4,)]),
    "DepthwiseConv1D": (lambda: layers.DepthwiseConv1D(3, depth_multiplier=2), [(8, 3)]),
    "DepthwiseConv2D": (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2), [(6, 6, 3)]),
    "EinsumDense": (
        lambda: layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 2), bias_axes="de"),
        [(5, 3)],
    ),
    "Embedding": (lambda: layers.Embedding(50, 4), [(3,)], None, "int32"),
    "GRU": (lambda: layers.GRU(3), [(5, 2)]),
    "GRUCell": (lambda: layers.RNN(layers.GRUCell(3)), [(5, 2)]),
    "GroupNormalization": (lambda: layers.GroupNormalization(groups=2), [(5, 4)]),
    "GroupedQueryAttention": (
        lambda: layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2),
        [(5, 8), (6, 8)],
    ),
    "LSTM": (lambda: layers.LSTM(3), [(5, 2)]),
    "LSTMCell": (lambda: layers.RNN(layers.LSTMCell(3)), [(5, 2)]),
    "LayerNormalization": (layers.LayerNormalization, [(4, 3)]),
    "MultiHeadAttention": (lambda: layers.MultiHeadAttention(2, 4), [(5, 6), (7, 3)]),
    "Normalization": (layers.Normalization, [(4, 3)]),
    "PReLU": (lambda: layers.PReLU(shared_axes=[1]), [(4, 3)]),
    "Pipeline": (lambda: layers.Pipeline([layers.Normalization(), layers.Dense(2)]), [(4,)]),
    "RMSNormalization": (layers.RMSNormalization, [(4, 3)]),
    "RNN": (lambda: layers.RNN([layers.SimpleRNNCell(2), layers.GRUCell(3)]), [(5, 2)]),
    "ReversibleEmbedding": (
        lambda: layers.ReversibleEmbedding(50, 4, tie_weights=False),
        [(3,)],
        None,
        "int32",
    ),
    "STFTSpectrogram": (lambda: layers.STFTSpectrogram(frame_length=6, window=None), [(40, 1)]),
    "SeparableConv1D": (lambda: layers.SeparableConv1D(4, 3), [(8, 3)]),
    "SeparableConv2D": (lambda: layers.SeparableConv2D(4, 3, depth_multiplier=2), [(6, 6, 3)]),
    "SimpleRNN": (lambda: layers.SimpleRNN(3), [(5, 2)]),
    "SimpleRNNCell": (lambda: layers.RNN(layers.SimpleRNNCell(3)), [(5, 2)]),
    "SpectralNormalization": (lambda: layers.SpectralNormalization(layers.Dense(3)), [(4,)]),
    "StackedRNNCells": (
        lambda: layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(2)])),
        [(5, 2)],
    ),
    "TimeDistributed": (lambda: layers.TimeDistributed(layers.Dense(3)), [(5, 4)]),
}

# Classes whose weights come from outside their configuration: another framework's
# code, which Keras' TensorFlow backend cannot run, or a SavedModel on disk.
OTHER_BACKENDS = {"JaxLayer", "FlaxLayer", "TorchModuleWrapper"}

# Constructor arguments of the weightless classes that need some.
ARGUMENTS = {
    "Activation": ("relu",),
    "AlphaDropout": (0.1,),
    "CategoryEncoding": (4,),
    "CenterCrop": (2, 2),
    "Discretization": ([0.5],),
    "Dot": (1,),
    "Dropout": (0.5,),
    "GaussianDropout": (0.1,),
    "GaussianNoise": (0.1,),
    "HashedCrossing": (4,),
    "Hashing": (4,),
    "Lambda": (lambda x: x,),
    "MaxNumBoundingBoxes": (2,),
    "Permute": ((1,),),
    "RandomBrightness": (0.1,),
    "RandomColorDegeneration": (0.1,),
    "RandomContrast": (0.1,),
    "RandomCrop": (2, 2),
    "RandomHue": (0.1,),
    "RandomPosterization": (4,),
    "RandomRotation": (0.1,),
    "RandomSaturation": (0.1,),
    "RandomSharpness": (0.1,),
    "RandomTranslation": (0.1, 0.1),
    "RandomZoom": (0.1,),
    "RepeatVector": (2,),
    "Rescaling": (0.5,),
    "Reshape": ((-1,),),
    "Resizing": (2, 2),
    **{f"SpatialDropout{rank}D": (0.1,) for rank in (1, 2, 3)},
    **{f"AdaptiveAveragePooling{rank}D": (2,) for rank in (1, 2, 3)},
    **{f"AdaptiveMaxPooling{rank}D": (2,) for rank in (1, 2, 3)},
    **{f"AveragePooling{rank}D": (2,) for rank in (1, 2, 3)},
    **{f"MaxPooling{rank}D": (2,) for rank in (1, 2, 3)},
}
MERGES = {"Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract"}


def keras_layer_classes() -> dict[str, type]:
    """Every layer class keras.layers exports, by its class name (aliases once)."""
    classes = {}
    for name in dir(layers):
        value = getattr(layers, name)
        if inspect.isclass(value) and issubclass(value, layers.Layer):
            classes[value.__name__] = value
    return classes


def build_weightless(cls: type) -> keras.layers.Layer:
    """Build a layer with no required weights: its arguments, and a shape it accepts."""
    if cls.__name__ == "InputLayer":
        return layers.InputLayer(shape=(3,))
    layer = cls(*ARGUMENTS.get(cls.__name__, ()))
    candidates = (
        [[(None, 3), (None, 3)]]
        if cls.__name__ in MERGES
        else [(None, 8, 8, 8, 3), (None, 8, 8, 3), (None, 8, 3), (None, 3)]
    )
    for shape in candidates:
        try:
            layer.build(shape)
        except (ValueError, TypeError, IndexError):
            layer = cls(*ARGUMENTS.get(cls.__name__, ()))
            continue
        return layer
    raise AssertionError(f"no example builds {cls.__name__}: add one to this test")


class TestEveryKerasLayer:
    @pytest.mark.parametrize("name", sorted(keras_layer_classes()))
    def test_each_class_is_derived_or_known_to_own_no_weights(self, name):
        """Each keras.layers class with weights has a rule that matches Keras; the rest own none."""
        if name in OTHER_BACKENDS:
            assert name in registry.EXTERNAL_WEIGHTS
            return
        if name in {"TFSMLayer", "Wrapper"}:
            return  # built in tests of their own below: a SavedModel, a layer with no call
        if name in WEIGHTED:
            factory, shapes, *rest = WEIGHTED[name]
            call, dtype = [*rest, None, None][:2]
            model = model_of(factory(), *shapes, call=call, dtype=dtype)
            assert model.count_params() > 0
            assert name in registry.LAYER_RULES
            assert_matches_keras(lstmdoc.explain(model), model)
            return
        layer = build_weightless(keras_layer_classes()[name])
        assert layer.weights == [], f"{name} owns weights: add a rule and an example"
        assert name in registry.WEIGHTLESS, f"{name} owns no weights: list it as weightless"

    def test_every_rule_has_a_weighted_example(self):
        """No rule goes untested: each names a Keras class built here with weights."""
        assert set(registry.LAYER_RULES) - {"Wrapper"} == set(WEIGHTED) | set(OUTSIDE_WEIGHTED)
        classes = keras_layer_classes() | keras_src_layer_classes()
        assert set(registry.LAYER_RULES) <= set(classes)
        assert set(registry.WEIGHTLESS) <= set(classes)
        assert set(registry.EXTERNAL_WEIGHTS) <= set(classes)

    def test_the_base_wrapper_explains_its_layer(self):
        """keras.layers.Wrapper, which has no call of its own, is derived from the layer it wraps."""
        wrapper = layers.Wrapper(layers.Dense(3))
        wrapper.build((None, 4))
        report = lstmdoc.explain(wrapper)
        assert [row.layer for row in report.rows] == ["Wrapper(Dense)", "Dense"]
        assert report.rows[0].params == wrapper.count_params() == 15
        assert report.agrees

    def test_a_savedmodel_layer_is_listed_with_keras_count(self, tmp_path):
        """TFSMLayer's weights live in a SavedModel: listed, not derived, with Keras' count."""
        exported = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TensorFlow's export warnings, not ours
            exported.export(tmp_path / "saved", verbose=False)
            layer = layers.TFSMLayer(tmp_path / "saved", call_endpoint="serve")
        model = keras.Sequential([keras.Input(shape=(3,)), layer])
        row = lstmdoc.explain(model).rows[0]
        assert row.framework_params == layer.count_params() == 8
        assert (row.params, row.derived, row.check) == (None, False, "not derived")
        assert "SavedModel" in str(row.note)
        shutil.rmtree(tmp_path / "saved")


# --- Keras' own layers outside keras.layers ------------------------------------------------


@functools.cache
def keras_src_layer_classes() -> dict[str, type]:
    """Every layer class Keras defines in keras.src that keras.layers does not export.

    Each module of keras.src is imported, but for tests and the other backends'.
    """
    exported = set(keras_layer_classes().values())
    classes = {}
    backend = f".backend.{keras.backend.backend()}"
    for module in pkgutil.walk_packages(keras.src.__path__, "keras.src."):
        name = module.name
        if name.endswith("_test") or (".backend." in name and backend not in name):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecation notices of modules nobody imports
            try:
                imported = importlib.import_module(name)
            except ModuleNotFoundError:  # an optional dependency: torch's tree, for one
                continue
        for value in vars(imported).values():
            if (
                inspect.isclass(value)
                and issubclass(value, layers.Layer)
                and value.__module__ == name
                and value not in exported
                and not issubclass(value, keras.Model)
            ):
                classes[value.__name__] = value
    return classes


def tiny_convnext() -> keras.Model:
    """ConvNeXt as keras.applications builds it, with one block a stage and few channels."""
    return convnext.ConvNeXt(
        depths=[1, 1, 1, 1],
        projection_dims=[4, 8, 8, 8],
        weights=None,
        input_shape=(32, 32, 3),
        include_top=False,
        name="tiny",
    )


# The weight-owning layers of keras.applications, built as the WEIGHTED above.
OUTSIDE_WEIGHTED: dict[str, tuple[Any, ...]] = {
    "LayerScale": (lambda: convnext.LayerScale(1e-6, 4), [(3, 3, 4)]),
}

# The weightless ones, with their constructors' arguments.
OUTSIDE_WEIGHTLESS = {
    "AlphaDropout": (0.1,),  # keras.src.legacy's, not keras.layers'
    "StochasticDepth": (0.1,),
    "CustomScaleLayer": (0.5,),
    "RandomHeight": (0.1,),
    "RandomWidth": (0.1,),
    "ThresholdedReLU": (),
    "TFDConcat": (-1,),
    "TFDIdentity": (),
}

# Classes never built alone: a keras.layers class subclasses each, and has its rule.
BASES = {
    "BaseAdaptiveAveragePooling",
    "BaseAdaptiveMaxPooling",
    "BaseAdaptivePooling",
    "BaseConv",
    "BaseConvTranspose",
    "BaseDepthwiseConv",
    "BaseGlobalPooling",
    "BaseImagePreprocessingLayer",
    "BasePooling",
    "BaseSeparableConv",
    "BaseSpatialDropout",
    "ConvLSTM",
    "DataLayer",
    "IndexLookup",
    "Merge",
}

# Classes that hold other layers, and are explained through them: ConvLSTM1D-3D's cell
# (their rules derive it), and keras.utils.FeatureSpace (its preprocessing layers).
HOLDERS = {"ConvLSTMCell", "FeatureSpace"}


class TestKerasLayersOutsideKerasLayers:
    @pytest.mark.parametrize("name", sorted(keras_src_layer_classes()))
    def test_each_class_is_derived_or_known_to_own_no_weights(self, name):
        """Each keras.src layer class has a rule matching Keras, owns no weights, or is a base."""
        cls = keras_src_layer_classes()[name]
        if name in OUTSIDE_WEIGHTED:
            factory, shapes = OUTSIDE_WEIGHTED[name]
            model = model_of(factory(), *shapes)
            assert model.count_params() > 0
            assert name in registry.LAYER_RULES
            assert_matches_keras(lstmdoc.explain(model), model)
        elif name in OUTSIDE_WEIGHTLESS:
            layer = cls(*OUTSIDE_WEIGHTLESS[name])
            layer.build((None, 8, 8, 3))
            assert layer.weights == [], f"{name} owns weights: add a rule and an example"
            assert name in registry.WEIGHTLESS
        elif name in BASES:
            assert any(issubclass(sub, cls) for sub in keras_layer_classes().values())
        else:
            assert name in HOLDERS, f"{name}, a Keras layer outside keras.layers, is unknown"

    def test_convnext_is_derived_as_keras_counts_it(self, tmp_path):
        """ConvNeXt's LayerScale rows are derived, live and from the saved file."""
        model = tiny_convnext()
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        scales = [row for row in report.rows if row.layer == "LayerScale"]
        assert [row.formula for row in scales] == ["4", "8", "8", "8"]
        assert [weight.name for weight in scales[0].weights] == ["gamma"]
        saved = lstmdoc.explain_file(save(model, tmp_path / "convnext.keras"))
        assert saved.total_params == model.count_params()
        assert saved.agrees

    def test_convlstm_builds_its_cell(self):
        """ConvLSTMCell lives inside ConvLSTM1D-3D, whose rules derive it."""
        layer = layers.ConvLSTM1D(2, 3)
        layer.build((None, 3, 8, 2))
        assert type(layer.cell).__name__ in HOLDERS


class TestWhatIsNotDerived:
    def test_a_frozen_model_counts_everything_as_non_trainable(self):
        """trainable=False on a nested model freezes every layer inside it, as in Keras."""
        inner = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3), layers.Dense(2)])
        inner.trainable = False
        model = keras.Sequential([keras.Input(shape=(4,)), inner, layers.Dense(1)])
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        assert report.rows[0].trainable_params == 0

    def test_quantized_weights_are_derived_with_a_note(self):
        """A quantized Dense keeps int8 weights and scales: derived, and its note says so."""
        model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(4)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns that quantization is experimental
            model.quantize("int8")
        report = lstmdoc.explain(model)
        assert_matches_keras(report, model)
        assert "quantized to int8" in str(report.rows[0].note)


def test_rules_never_read_weights_or_counts():
    """The rules see only a spec: a dict with no layer in it, so no weight or count to read."""
    spec = {
        "class_name": "LSTM",
        "module": "keras.layers",
        "registered_name": None,
        "config": {"name": "lstm", "units": 20, "use_bias": True},
        "build_config": {"input_shape": [None, 20, 1]},
    }
    derivation = registry.derive(spec_of(spec))
    assert isinstance(derivation, Derivation)
    assert derivation.formula == "4 × 20 × (1 + 20 + 1)"
    assert [weight.shape for weight in derivation.weights] == [(1, 80), (20, 80), (80,)]
    assert sum(weight.count for weight in derivation.weights) == 1760
