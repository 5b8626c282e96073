"""Keras' rules: one per class that can own weights, read off that class's ``build()``.

Given a layer's configuration (what ``get_config()`` returns, and what a ``.keras``
file stores) and the input shape it was built on (``get_build_config()``), a rule
returns the weights the layer creates, their shapes, and the formula of their
count. A rule never reads a weight or a count. The rules live by layer family, as
Keras keeps its layers (``keras/src/layers/core/``, ``convolutional/``, ``rnn/``
...): :mod:`~lstmdoc.keras.core`, :mod:`~lstmdoc.keras.convolutional`,
:mod:`~lstmdoc.keras.recurrent`, :mod:`~lstmdoc.keras.attention`,
:mod:`~lstmdoc.keras.normalization`, :mod:`~lstmdoc.keras.activations` and
:mod:`~lstmdoc.keras.preprocessing`, with the layers Keras' applications define
outside ``keras.layers`` (:mod:`~lstmdoc.keras.applications`) and the quantized
layers (:mod:`~lstmdoc.keras.quantized`); this module gathers them into
:data:`LAYER_RULES`, with the classes that own no weight, and :data:`RULES`, what
the walk of :mod:`lstmdoc.report.walk` reads.

A live layer and a saved one are explained by the same rules: :mod:`lstmdoc.keras.live`
builds each layer's spec from ``get_config()``, :mod:`lstmdoc.keras.files` from the
file's ``config.json``. Nothing here imports Keras or NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.keras import (
    activations,
    applications,
    attention,
    convolutional,
    core,
    costs,
    dtypes,
    normalization,
    preprocessing,
    quantized,
    recurrent,
)
from lstmdoc.keras.specs import (
    Rule,
    Shapes,
    apply,
    keras_own,
    quantization,
    spec_of,
    sublayer,
)
from lstmdoc.report.costs import ZERO
from lstmdoc.report.rules import Derivation, NoFormula, Rules, Spec

__all__ = [
    "ALIASES",
    "EXTERNAL_WEIGHTS",
    "LAYER_RULES",
    "MODEL_CLASSES",
    "RULES",
    "WEIGHTLESS",
    "base_class",
    "derive",
    "is_builtin",
    "is_model",
    "unsaved",
]


def derive(spec: Spec) -> Derivation | NoFormula | None:
    """Derive a layer's weights from its spec.

    Returns:
        A :class:`~lstmdoc.report.rules.Derivation` (a quantized layer's by the rules of
        :mod:`~lstmdoc.keras.quantized`); a :class:`~lstmdoc.report.rules.NoFormula`
        for a built-in Keras class whose count lstmdoc does not derive (weights held
        outside Keras, a configuration it does not understand);
        ``None`` for a class that is not Keras' own (a custom layer), or a model.
    """
    if not is_builtin(spec):
        return None
    name = ALIASES.get(spec.class_name, spec.class_name)
    if name in WEIGHTLESS:
        # Elementwise, a pooling, a reshape: no products; or products lstmdoc does not derive.
        return Derivation(formula="0", cost=None if name in costs.UNKNOWN_PRODUCTS else ZERO)
    if name in EXTERNAL_WEIGHTS:
        return NoFormula(EXTERNAL_WEIGHTS[name])
    if name not in LAYER_RULES:
        return None
    rule = _rule(name, spec)
    if isinstance(rule, NoFormula):
        return rule
    derived = apply(rule, spec)
    if isinstance(derived, Derivation) and derived.cost is None and name in costs.NO_PRODUCTS:
        derived = replace(derived, cost=ZERO)
    return with_dtypes(derived, spec) if isinstance(derived, Derivation) else derived


def with_dtypes(derived: Derivation, spec: Spec) -> Derivation:
    """The derivation with each weight's dtype, from the layer's policy (:mod:`~lstmdoc.keras.dtypes`).

    The layers it builds follow its float policy where their configuration names none,
    as Keras builds them (``dtype=self.dtype_policy``).
    """
    weights = tuple(
        replace(weight, dtype=dtypes.weight_dtype(spec.config, weight.name))
        for weight in derived.weights
    )
    policy = spec.config.get("dtype")
    inherited = policy is not None and quantization(spec.config) is None
    children = tuple(
        replace(child, config={**child.config, "dtype": policy})
        if inherited and "dtype" not in child.config
        else child
        for child in derived.children
    )
    return replace(derived, weights=weights, children=children)


def _rule(name: str, spec: Spec) -> Rule | NoFormula:
    """The rule of class ``name`` in :data:`LAYER_RULES`: its quantized rule, if its policy says so."""
    mode = quantization(spec.config)
    if mode is None:
        return LAYER_RULES[name]
    if mode == "DTypePolicyMap":
        return NoFormula(
            "its dtype policy is a DTypePolicyMap that quantizes some layers, by paths that "
            "its configuration does not hold"
        )
    rule = quantized.QUANTIZED_RULES.get(name)
    if rule is None:
        return NoFormula(
            f"its dtype policy is quantized ({mode}), but Keras quantizes only "
            f"{', '.join(quantized.QUANTIZED_RULES)}"
        )
    return rule


def is_builtin(spec: Spec) -> bool:
    """Whether the spec names one of Keras' own classes, not a user's class of that name."""
    return keras_own(spec.module, spec.registered_name, spec.class_name)


def base_class(cls: type) -> type | None:
    """The first of ``cls`` and its bases that is a Keras class with a rule, if any.

    A user's ``class MyDense(keras.layers.Dense)`` is a ``Dense`` with what it adds.
    """
    for base in cls.__mro__:
        spec = Spec(class_name=base.__name__, module=base.__module__)
        if base.__name__ in LAYER_RULES and is_builtin(spec):
            return base
    return None


def is_model(spec: Spec) -> bool:
    """Whether the spec is one of Keras' models, whose layers are listed in its config."""
    return is_builtin(spec) and spec.class_name in MODEL_CLASSES


def unsaved(spec: Spec) -> int:
    """The values of a layer's weights, and of the layers it holds, that Keras does not save.

    These are LoRA's factors: ``save_own_variables`` (``keras/src/layers/core/dense.py``
    and the other layers with LoRA) merges them into the kernel and stores the kernel
    alone, and loading, Keras creates them anew, as zeros, from ``lora_rank``. A saved
    file's arrays are so many values short of what Keras counts once it is loaded.
    """
    if is_model(spec):
        layers = spec.config.get("layers")
        return sum(unsaved(spec_of(layer)) for layer in layers) if isinstance(layers, list) else 0
    derived = derive(spec)
    if not isinstance(derived, Derivation):
        return 0
    factors = [weight.count for weight in derived.weights if weight.name.startswith("lora_")]
    return sum(factors) + sum(unsaved(child) for child in derived.children)


# SpectralNormalization derives the layer it wraps to learn its kernel's width, so its
# rule needs the whole table, here.
def _spectral_normalization(config: Mapping[str, Any], shapes: Shapes) -> Derivation | NoFormula:
    inner = sublayer(config["layer"], shapes.first)
    derived = derive(inner)
    kernels = [
        weight.shape
        for weight in (derived.weights if isinstance(derived, Derivation) else ())
        if weight.name in {"kernel", "embeddings"}
    ]
    if not kernels:
        return NoFormula("the layer it wraps has no kernel lstmdoc derives")
    columns = kernels[0][-1]
    vector = Weight("vector_u", (1, columns), False)
    return Derivation(
        weights=(vector,),
        children=(inner,),
        compose=lambda formulas: f"{formulas[0]} + {columns}",
        label=f"SpectralNormalization({inner.class_name})",
    )


LAYER_RULES: dict[str, Rule] = {
    **core.LAYER_RULES,
    **convolutional.LAYER_RULES,
    **recurrent.LAYER_RULES,
    **attention.LAYER_RULES,
    **normalization.LAYER_RULES,
    "SpectralNormalization": _spectral_normalization,
    **activations.LAYER_RULES,
    **preprocessing.LAYER_RULES,
    **applications.LAYER_RULES,
}
"""The rule for each Keras class that can own weights, by its class name.

A quantized layer is derived by its rule in :data:`lstmdoc.keras.quantized.QUANTIZED_RULES`
instead."""

ALIASES = {"GroupQueryAttention": "GroupedQueryAttention"}
"""Other names Keras exports a class under, which a saved file may record as its class name."""

MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})
"""Keras' models: their layers are explained one by one."""

EXTERNAL_WEIGHTS = {
    "TFSMLayer": "its weights are those of the TensorFlow SavedModel it loads, not in its configuration",
    "JaxLayer": "its weights are the parameters its JAX init function returns, not in its configuration",
    "FlaxLayer": "its weights are the parameters of the Flax module it wraps, not in its configuration",
    "TorchModuleWrapper": "its weights are the parameters of the PyTorch module it wraps, not in its configuration",
}
"""Keras classes whose weights are set by code or files outside their configuration."""

WEIGHTLESS = frozenset(
    {
        "Activation", "ActivityRegularization", "AdaptiveAveragePooling1D",
        "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
        "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "Add", "AlphaDropout", "AugMix",
        "AutoContrast", "Average", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
        "CategoryEncoding", "CenterCrop", "Concatenate",
        "ContrastLimitedAdaptiveHistogramEqualization", "Cropping1D", "Cropping2D",
        "Cropping3D", "CutMix", "Discretization", "Dot", "Dropout", "ELU", "Equalization",
        "Flatten", "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D",
        "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
        "GlobalMaxPooling2D", "GlobalMaxPooling3D", "HashedCrossing", "Hashing", "Identity",
        "InputLayer", "IntegerLookup", "Lambda", "Layer", "LeakyReLU", "Masking",
        "MaxNumBoundingBoxes", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Maximum",
        "MelSpectrogram", "Minimum", "MixUp", "Multiply", "Permute", "RandAugment",
        "RandomBrightness", "RandomColorDegeneration", "RandomColorJitter", "RandomContrast",
        "RandomCrop", "RandomElasticTransform", "RandomErasing", "RandomFlip",
        "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert",
        "RandomPerspective", "RandomPosterization", "RandomRotation", "RandomSaturation",
        "RandomSharpness", "RandomShear", "RandomTranslation", "RandomZoom", "ReLU",
        "RepeatVector", "Rescaling", "Reshape", "Resizing", "Softmax", "Solarization",
        "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "StringLookup",
        "Subtract", "TextVectorization", "UnitNormalization", "UpSampling1D", "UpSampling2D",
        "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
        # keras.src.legacy.layers, and FeatureSpace's own layers
        "RandomHeight", "RandomWidth", "ThresholdedReLU", "TFDConcat", "TFDIdentity",
    }
) | applications.WEIGHTLESS  # fmt: skip
"""Keras classes that create no weights, whatever their configuration."""

RULES = Rules(
    framework="Keras",
    derive=derive,
    is_model=is_model,
    separator="/",
    declared="add_weight",
    declared_as="created by a custom layer with add_weight",
)
"""Keras' rules, as :mod:`lstmdoc.report.walk` walks a model with them."""
