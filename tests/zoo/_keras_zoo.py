"""The Keras zoo: keras.applications, keras-hub models and the smallest cases, from configurations.

No weights are downloaded: ``weights=None`` for the applications, and keras-hub's
backbones and task models are built from small configurations. Keras runs on
TensorFlow (``conftest.py`` sets ``KERAS_BACKEND``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import keras
import keras_hub
from keras import layers

import lstmdoc
from tests.zoo._harness import FileFormat, Model, grouped
from tests.zoo._known import KERAS_KNOWN

# --- the framework, as the runner asks it ---------------------------------------------

# Keras' own bases that every layer or model has: a class whose nearest Keras base is one
# of these is a custom class, explained through what it holds.
_GENERIC_MODULES = (
    "keras.src.layers.layer",
    "keras.src.models.",
    "keras.src.ops.operation",
    "keras.src.saving.",
    "keras.src.backend.",
)


def _save_keras(model: Any, folder: Path) -> Path:
    path = folder / "model.keras"
    model.save(path)
    return path


def _save_h5(model: Any, folder: Path) -> Path:
    path = folder / "model.h5"  # Keras 2's format, which Keras 3 still writes
    model.save(path)
    return path


def _save_weights(model: Any, folder: Path) -> Path:
    path = folder / "model.weights.h5"
    model.save_weights(path)
    return path


class Keras:
    """Keras 3, on TensorFlow: its own counts, and its files."""

    name: str = "Keras"
    checks: tuple[str, ...] = ("total", "differs", "verdict", "stored", "rules")  # no buffers
    formats: Mapping[str, FileFormat] = {
        "keras": FileFormat("keras", _save_keras),
        "h5": FileFormat(
            "h5",
            _save_h5,
        ),
        "weights.h5": FileFormat(
            "weights.h5",
            _save_weights,
        ),
    }

    def unique_params(self, model: Any) -> int:
        return int(model.count_params())

    def buffer_values(self, model: Any) -> None:  # noqa: ARG002
        return None  # Keras counts every variable of a layer among its parameters

    def stored_buffer_values(self, model: Any) -> None:  # noqa: ARG002
        return None

    def holds_weights(self, model: Any) -> bool:
        return bool(model.weights)

    def underived(self, model: Any, report: lstmdoc.ModelReport) -> list[str]:
        found = []
        for row in report.rows:
            if row.basis in ("formula", "shared"):
                continue  # derived, or a place a layer met before is shown again, adding 0
            layer = _layer_at(model, row.name.split("/"))
            if layer is None or not _own_weights(layer):
                continue  # a weight's row, or a container: judged by its layer's own row
            base = _keras_base(type(layer))
            if base is None:
                continue  # a custom class: declaring its own weights is the right answer
            named = f"{type(layer).__name__} ({base.__module__}"
            if base is not type(layer):
                named = f"{type(layer).__name__} (subclass of {base.__name__}"
            mode = getattr(layer, "quantization_mode", None)
            named += f", quantized {mode})" if mode else ")"
            if row.params is None:
                found.append(f"{named}: not derived")
            elif row.basis == "sum":
                found.append(f"{named}: a sum of rows declared with add_weight")
            else:
                found.append(f"{named}: {row.basis}")
        return grouped(found)

    def release(self) -> None:
        keras.backend.clear_session()


KERAS = Keras()


def _layer_at(model: Any, path: list[str]) -> Any:
    """The layer a row's ``a/b/c`` path names, or None where it names a weight."""
    layer = model
    for name in path:
        inner = {sub.name: sub for sub in _sublayers(layer, recursive=False)}
        if name not in inner:
            inner = {sub.name: sub for sub in _sublayers(layer, recursive=True)}
        if name not in inner:
            return None
        layer = inner[name]
    return layer


def _sublayers(layer: Any, *, recursive: bool) -> list[Any]:
    return list(layer._flatten_layers(include_self=False, recursive=recursive))


def _own_weights(layer: Any) -> bool:
    held = {id(weight) for sub in _sublayers(layer, recursive=True) for weight in sub.weights}
    return any(id(weight) not in held for weight in layer.weights)


def _keras_base(cls: type) -> type | None:
    """The nearest of Keras' own layer classes ``cls`` is or extends, or None."""
    for base in cls.__mro__:
        module = base.__module__
        if module.startswith("keras.") and not module.startswith(_GENERIC_MODULES):
            return base
    return None


# --- the models -----------------------------------------------------------------------

# Small inputs where a family allows them: 75 px is the smallest Inception and Xception
# take, 32 px the smallest of the rest. Ten classes keep the heads, and the files, small.
_SMALL = (32, 32, 3)
_INCEPTION = (75, 75, 3)

# One model of each family of keras.applications. Between them they use every layer
# class, with every use_bias/center/scale setting, that all 40 applications use (27),
# and the larger members of a family only repeat their blocks more often.
APPLICATIONS = {
    "ConvNeXtTiny": "LayerScale, one of Keras' own classes outside keras.layers",
    "DenseNet121": "concatenating dense blocks, batch norm everywhere",
    "EfficientNetB0": "squeeze-and-excite, depthwise convolutions, Rescaling and Normalization",
    "EfficientNetV2B0": "fused MBConv blocks",
    "InceptionResNetV2": "scaled residual Lambda blocks and bias-less convolutions",
    "InceptionV3": "parallel branches, batch norm without scale",
    "MobileNet": "depthwise separable convolutions",
    "MobileNetV2": "inverted residuals",
    "MobileNetV3Small": "hard-swish and squeeze-and-excite",
    "NASNetMobile": "separable convolutions in searched cells",
    "ResNet50": "bottleneck residual blocks",
    "ResNet50V2": "pre-activation residual blocks",
    "VGG16": "plain convolutions and two large Dense layers",
    "Xception": "separable convolutions with residuals",
}


def _application(name: str) -> Any:
    shape = _INCEPTION if name.startswith("Inception") or name == "Xception" else _SMALL
    return getattr(keras.applications, name)(weights=None, input_shape=shape, classes=10)


# keras-hub's models from a small configuration: vocabulary, layers, heads, widths.
_VOCABULARY, _LAYERS, _HEADS, _HIDDEN, _INTERMEDIATE, _SEQUENCE = 64, 2, 2, 16, 32, 16
_DECODER = {
    "vocabulary_size": _VOCABULARY,
    "num_layers": _LAYERS,
    "num_query_heads": _HEADS,
    "num_key_value_heads": 1,
    "hidden_dim": _HIDDEN,
    "intermediate_dim": _INTERMEDIATE,
}


def _gpt2_backbone() -> Any:
    return keras_hub.models.GPT2Backbone(
        vocabulary_size=_VOCABULARY,
        num_layers=_LAYERS,
        num_heads=_HEADS,
        hidden_dim=_HIDDEN,
        intermediate_dim=_INTERMEDIATE,
        max_sequence_length=_SEQUENCE,
    )


def _gemma_backbone() -> Any:
    return keras_hub.models.GemmaBackbone(**_DECODER, head_dim=8)


HUB = {
    "hub_gpt2_backbone": (_gpt2_backbone, "a decoder with a ReversibleEmbedding"),
    "hub_gpt2_causal_lm": (
        lambda: keras_hub.models.GPT2CausalLM(backbone=_gpt2_backbone(), preprocessor=None),
        "a CausalLM whose head reuses backbone.token_embedding at the top level (tied)",
    ),
    "hub_gemma_causal_lm": (
        lambda: keras_hub.models.GemmaCausalLM(backbone=_gemma_backbone(), preprocessor=None),
        "tied embeddings again, with RMS norm and grouped-query attention",
    ),
    "hub_bert_backbone": (
        lambda: keras_hub.models.BertBackbone(
            vocabulary_size=_VOCABULARY,
            num_layers=_LAYERS,
            num_heads=_HEADS,
            hidden_dim=_HIDDEN,
            intermediate_dim=_INTERMEDIATE,
            max_sequence_length=_SEQUENCE,
        ),
        "an encoder with token, position and segment embeddings and a pooler",
    ),
    "hub_albert_backbone": (
        lambda: keras_hub.models.AlbertBackbone(
            vocabulary_size=_VOCABULARY,
            num_layers=_LAYERS,
            num_heads=_HEADS,
            embedding_dim=8,
            hidden_dim=_HIDDEN,
            intermediate_dim=_INTERMEDIATE,
            num_groups=1,
            num_inner_repetitions=1,
            max_sequence_length=_SEQUENCE,
        ),
        "one transformer layer called for every layer: a layer shared across depth",
    ),
    "hub_llama_backbone": (
        lambda: keras_hub.models.LlamaBackbone(**_DECODER),
        "rotary embeddings, gated MLPs, grouped-query attention",
    ),
    "hub_mistral_backbone": (
        lambda: keras_hub.models.MistralBackbone(**_DECODER),
        "sliding-window attention",
    ),
    "hub_t5_backbone": (
        lambda: keras_hub.models.T5Backbone(
            vocabulary_size=_VOCABULARY,
            num_layers=_LAYERS,
            num_heads=_HEADS,
            hidden_dim=_HIDDEN,
            intermediate_dim=_INTERMEDIATE,
            key_value_dim=8,
        ),
        "an encoder-decoder with relative position biases",
    ),
    "hub_bart_backbone": (
        lambda: keras_hub.models.BartBackbone(
            vocabulary_size=_VOCABULARY,
            num_layers=_LAYERS,
            num_heads=_HEADS,
            hidden_dim=_HIDDEN,
            intermediate_dim=_INTERMEDIATE,
            max_sequence_length=_SEQUENCE,
        ),
        "an encoder-decoder sharing one token embedding",
    ),
    "hub_vit_backbone": (
        lambda: keras_hub.models.ViTBackbone(
            image_shape=(32, 32, 3),
            patch_size=8,
            num_layers=_LAYERS,
            num_heads=_HEADS,
            hidden_dim=_HIDDEN,
            mlp_dim=_INTERMEDIATE,
        ),
        "patch embeddings and a class token",
    ),
}


def _shared_dense() -> keras.Model:
    """Issue 20's smallest shared layer: one Dense in a nested model and the outer model."""
    shared = layers.Dense(4, name="shared")
    inputs = keras.Input((4,))
    inner = keras.Model(inputs, shared(inputs), name="inner")
    outer_inputs = keras.Input((4,))
    return keras.Model(outer_inputs, shared(inner(outer_inputs)), name="outer")


def _quantized(mode: str) -> keras.Model:
    """An Embedding, a Dense and an EinsumDense, quantized by ``model.quantize(mode)``."""
    tokens = keras.Input((3,), dtype="int32")
    embedded = layers.Embedding(input_dim=10, output_dim=8)(tokens)
    dense = layers.Dense(units=4)(embedded)
    outputs = layers.EinsumDense("abc,cd->abd", output_shape=(None, 6), bias_axes="d")(dense)
    model = keras.Model(tokens, outputs)
    model.quantize(mode)
    return model


def _tutorial_lstm() -> keras.Model:
    """The site's LSTM: the count every other row of the zoo is held to the standard of."""
    return keras.Sequential([keras.Input((10, 1)), layers.LSTM(units=20), layers.Dense(units=1)])


SMALL = {
    "tutorial_lstm": (_tutorial_lstm, "the project's own subject, as a baseline"),
    "shared_dense": (_shared_dense, "the smallest layer shared by a nested and an outer model"),
    "quantized_int8": (lambda: _quantized("int8"), "int8 kernels and their scales"),
    "quantized_int4": (lambda: _quantized("int4"), "packed int4 kernels, scales and zero points"),
    "quantized_float8": (
        lambda: _quantized("float8"),
        "float8 scales and amax histories beside the kernels",
    ),
}


def _models() -> Iterator[Model]:
    every = ("keras", "h5", "weights.h5")
    for name, why in APPLICATIONS.items():
        yield Model(
            name,
            functools.partial(_application, name),
            KERAS,
            why,
            # Writing the formats lstmdoc does not read yet adds seconds per large model
            # and nothing the .keras file does not show: three stand for the rest.
            every if name in {"MobileNet", "ResNet50", "ConvNeXtTiny"} else ("keras",),
            KERAS_KNOWN.get(name, {}),
        )
    for name, (build, why) in HUB.items():
        # keras-hub's classes are registered custom objects, which Keras 2's format
        # does not hold.
        yield Model(name, build, KERAS, why, ("keras", "weights.h5"), KERAS_KNOWN.get(name, {}))
    for name, (build, why) in SMALL.items():
        yield Model(name, build, KERAS, why, every, KERAS_KNOWN.get(name, {}))


ZOO = [dataclasses.replace(model, position=index) for index, model in enumerate(_models())]
