"""Which weights each Keras 3 layer and optimizer creates, from its configuration alone.

One rule per Keras class, read off that class's ``build()`` in the pinned Keras
(``keras/src/layers/...``): given the layer's configuration (what ``get_config()``
returns, and what a ``.keras`` file stores) and the input shape it was built on
(``get_build_config()``), the rule returns the weights the layer creates, their
shapes, and the formula of their count. A rule never reads a weight or a count.

A layer is described by a *spec*, the dictionary Keras serializes a layer to::

    {"class_name": "LSTM", "module": "keras.layers", "config": {...},
     "build_config": {"input_shape": [None, 20, 1]}}

A live layer gives the same dictionary (:func:`lstmdoc.explain` builds
it from ``layer.get_config()``), so a live model and a saved file are explained by
these same rules. Wrappers and containers (``Bidirectional``, ``TimeDistributed``,
``RNN``, ``StackedRNNCells``, ``MultiHeadAttention`` ...) return the specs of the
layers they build, which are explained in turn by the same rules.

Nothing here imports Keras or NumPy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lstmdoc import counting
from lstmdoc.deriving import Derivation, NoFormula, Rules, shape_formula
from lstmdoc.report import LayerWeight

__all__ = [
    "EXTERNAL_WEIGHTS",
    "LAYER_RULES",
    "MODEL_CLASSES",
    "RULES",
    "WEIGHTLESS",
    "Derivation",
    "NoFormula",
    "conv_formula",
    "derive",
    "derive_optimizer",
    "is_builtin",
    "is_model",
    "label",
    "shape_formula",
]

Spec = Mapping[str, Any]
Shape = tuple[Any, ...]


@dataclass(frozen=True)
class _Shapes:
    """The shapes a layer was built on, from its ``build_config``."""

    named: dict[str, Any] = field(default_factory=dict)

    @property
    def first(self) -> Shape:
        """The first (for most layers, the only) input shape."""
        return _shape(next(iter(self.named.values())))

    def get(self, key: str) -> Shape | None:
        value = self.named.get(key)
        return None if value is None else _shape(value)


Rule = Callable[[Mapping[str, Any], _Shapes], "Derivation | NoFormula"]


# --- the table -----------------------------------------------------------------------


def derive(spec: Spec) -> Derivation | NoFormula | None:
    """Derive a layer's weights from its spec.

    Returns:
        A :class:`Derivation`; a :class:`NoFormula` for a built-in Keras class whose
        count lstmdoc does not derive (quantized weights, weights held outside
        Keras, a configuration it does not understand); ``None`` for a class that
        is not Keras' own (a custom layer), or a model.
    """
    name = str(spec.get("class_name"))
    if not is_builtin(spec):
        return None
    if name in WEIGHTLESS:
        return Derivation(formula="0")
    if name in EXTERNAL_WEIGHTS:
        return NoFormula(EXTERNAL_WEIGHTS[name])
    rule = LAYER_RULES.get(name)
    return None if rule is None else _apply(rule, spec)


def conv_formula(filters: int, window: str, channels: int, groups: int, bias: bool) -> str:
    """A convolution's count, ``filters × (window × channels + 1)``, with its groups.

    The same in Keras and PyTorch: each filter sees ``channels / groups`` input
    channels over the window, and has one bias.
    """
    inputs = f"{channels}" if groups == 1 else f"{channels} / {groups}"
    return f"{filters} × ({window} × {inputs} + 1)" if bias else f"{filters} × {window} × {inputs}"


def _apply(rule: Rule, spec: Spec) -> Derivation | NoFormula:
    """Run a rule on a spec's config and shapes, or say why it cannot run."""
    config, build = spec.get("config"), spec.get("build_config")
    if not isinstance(config, Mapping):
        return NoFormula(f"its configuration is not a dictionary: {_describe(config)}")
    quantized = _quantization(config)
    if quantized:
        return NoFormula(f"its weights are quantized ({quantized}), which changes their shapes")
    named: Any = {}
    if isinstance(build, Mapping):
        named = build.get("shapes_dict") or {"input_shape": build.get("input_shape")}
    if not named or not isinstance(named, Mapping) or None in named.values():
        return NoFormula("its input shape is not recorded (the layer was never built)")
    try:
        return rule(config, _Shapes(dict(named)))
    except (ArithmeticError, AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
        return NoFormula(f"its configuration is not one lstmdoc understands ({error!r})")


def is_builtin(spec: Spec) -> bool:
    """Whether the spec names one of Keras' own classes, not a user's class of that name."""
    module = spec.get("module")
    registered = spec.get("registered_name")
    return (
        isinstance(module, str)
        and (module == "keras" or module.startswith("keras."))
        and registered in (None, spec.get("class_name"))
    )


def is_model(spec: Spec) -> bool:
    """Whether the spec is one of Keras' models, whose layers are listed in its config."""
    return is_builtin(spec) and spec.get("class_name") in MODEL_CLASSES


def label(spec: Spec, derivation: Derivation | NoFormula | None = None) -> str:
    """The class name to show for a spec, with a wrapper's wrapped class in parentheses."""
    if isinstance(derivation, Derivation) and derivation.label:
        return derivation.label
    return str(spec.get("class_name", "?"))


# --- rules: dense and embedding layers -----------------------------------------------------


def _dense(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    features, units = int(shapes.first[-1]), int(config["units"])
    breakdown = counting.dense_param_breakdown(units, features, use_bias=bool(config["use_bias"]))
    rank = _lora_rank(config)
    weights = [LayerWeight("kernel", (features, units), not rank)]
    if config["use_bias"]:
        weights.append(LayerWeight("bias", (units,), True))
    return _with_lora(weights, breakdown.substituted, rank, "lora_kernel", features, units)


def _embedding(config: Mapping[str, Any], _shapes: _Shapes) -> Derivation:
    rows, columns = int(config["input_dim"]), int(config["output_dim"])
    rank = _lora_rank(config)
    weights = [LayerWeight("embeddings", (rows, columns), not rank)]
    formula = f"{rows} × {columns}"
    if config.get("tie_weights") is False:  # ReversibleEmbedding's own output projection
        weights.append(LayerWeight("reverse_embeddings", (columns, rows), True))
        formula = f"2 × {rows} × {columns}"
    return _with_lora(weights, formula, rank, "lora_embeddings", rows, columns)


def _with_lora(
    weights: list[LayerWeight], formula: str, rank: int, name: str, rows: int, columns: int
) -> Derivation:
    """Add LoRA's two low-rank factors, ``name_a (rows, rank)`` and ``name_b (rank, columns)``.

    With LoRA on (``rank`` > 0) the factors train and the full matrix is frozen.
    """
    if rank:
        weights = [
            *weights,
            LayerWeight(f"{name}_a", (rows, rank), True),
            LayerWeight(f"{name}_b", (rank, columns), True),
        ]
        formula += f" + {rank} × ({rows} + {columns})"
    return Derivation(tuple(weights), formula)


def _einsum_dense(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    kernel, bias = einsum_dense_shapes(
        str(config["equation"]), config.get("bias_axes"), shapes.first, config["output_shape"]
    )
    rank = _lora_rank(config)
    weights = [LayerWeight("kernel", kernel, not rank)]
    terms = [shape_formula(kernel)]
    if bias is not None:
        weights.append(LayerWeight("bias", bias, True))
        terms.append(shape_formula(bias))
    if rank:
        weights += [
            LayerWeight("lora_kernel_a", (*kernel[:-1], rank), True),
            LayerWeight("lora_kernel_b", (rank, kernel[-1]), True),
        ]
        terms.append(f"{rank} × ({shape_formula(kernel[:-1])} + {kernel[-1]})")
    return Derivation(tuple(weights), " + ".join(terms))


def einsum_dense_shapes(  # noqa: PLR0912  (Keras' _analyze_split_string, step by step)
    equation: str, bias_axes: Any, input_shape: Shape, output_shape: Any
) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """Return ``EinsumDense``'s kernel and bias shapes, as Keras' ``_analyze_einsum_string``.

    Args:
        equation: such as ``"abc,cde->abde"``, optionally with ``...`` on the left
            of the input and output, or on their right.
        bias_axes: the output letters that have a bias, or ``None``.
        input_shape: the shape the layer was built on, batch axis first.
        output_shape: the layer's ``output_shape`` (an int, or a list with ``None``
            where the size comes from the input).
    """
    dotted = equation.replace("...", "0")
    left = False
    match = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", dotted)
    if match is None:
        match = re.fullmatch(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", dotted)
        left = match is not None
    if match is None:
        match = re.fullmatch(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", dotted)
    if match is None:
        raise ValueError(f"unsupported einsum equation {equation!r}")
    inputs, kernel_letters, outputs = match.groups()
    elided = len(input_shape) - len(inputs)
    full_output = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    full_output.insert(0, input_shape[0])
    if elided > 0 and left:
        for index in range(1, elided):
            full_output.insert(1, input_shape[index])
    elif elided > 0:
        full_output.extend(input_shape[len(input_shape) - elided :])
    if left:
        input_axis = {
            letter: index + elided - len(input_shape) for index, letter in enumerate(inputs)
        }
        output_axis = {letter: index + elided for index, letter in enumerate(outputs)}
    else:
        input_axis = {letter: index for index, letter in enumerate(inputs)}
        output_axis = {letter: index for index, letter in enumerate(outputs)}
    kernel = []
    for letter in kernel_letters:
        if letter in output_axis:
            kernel.append(full_output[output_axis[letter]])
        elif letter in input_axis:
            kernel.append(input_shape[input_axis[letter]])
        else:
            raise ValueError(f"kernel letter {letter!r} is in neither the input nor the output")
    bias = None
    if bias_axes is not None:
        offset = elided if left else 0
        sizes = {letter: full_output[index + offset] for index, letter in enumerate(outputs)}
        first = min(outputs.find(letter) for letter in bias_axes)
        bias = [sizes[letter] if letter in bias_axes else 1 for letter in outputs[first:]]
        if not left:
            bias += [1] * max(elided, 0)
    return _ints(kernel), None if bias is None else _ints(bias)


# --- rules: convolutions --------------------------------------------------------------------


def _channels(config: Mapping[str, Any], shape: Shape, first_axis: int = 1) -> int:
    return int(shape[first_axis] if config["data_format"] == "channels_first" else shape[-1])


def _window(config: Mapping[str, Any]) -> tuple[tuple[int, ...], str]:
    sizes = _ints(config["kernel_size"])
    return sizes, " × ".join(map(str, sizes))


def _conv(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    channels = _channels(config, shapes.first)
    groups = int(config.get("groups", 1))
    sizes, window = _window(config)
    filters = int(config["filters"])
    rank = _lora_rank(config)
    weights = [LayerWeight("kernel", (*sizes, channels // groups, filters), not rank)]
    inputs = f"{channels}" if groups == 1 else f"{channels} / {groups}"
    if config["use_bias"]:
        weights.append(LayerWeight("bias", (filters,), True))
    formula = conv_formula(filters, window, channels, groups, bool(config["use_bias"]))
    if rank:
        weights += [
            LayerWeight("lora_kernel_a", (*sizes, channels // groups, rank), True),
            LayerWeight("lora_kernel_b", (rank, filters), True),
        ]
        formula += f" + {rank} × ({window} × {inputs} + {filters})"
    return Derivation(tuple(weights), formula)


def _conv_transpose(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    channels = _channels(config, shapes.first)
    sizes, window = _window(config)
    filters = int(config["filters"])
    weights = [LayerWeight("kernel", (*sizes, filters, channels), True)]
    if config["use_bias"]:
        weights.append(LayerWeight("bias", (filters,), True))
        return Derivation(tuple(weights), f"{filters} × ({window} × {channels} + 1)")
    return Derivation(tuple(weights), f"{filters} × {window} × {channels}")


def _depthwise_conv(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    channels = _channels(config, shapes.first)
    sizes, window = _window(config)
    multiplier = int(config["depth_multiplier"])
    weights = [LayerWeight("kernel", (*sizes, channels, multiplier), True)]
    if config["use_bias"]:
        weights.append(LayerWeight("bias", (multiplier * channels,), True))
        return Derivation(tuple(weights), f"{channels} × {multiplier} × ({window} + 1)")
    return Derivation(tuple(weights), f"{channels} × {multiplier} × {window}")


def _separable_conv(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    channels = _channels(config, shapes.first)
    sizes, window = _window(config)
    multiplier, filters = int(config["depth_multiplier"]), int(config["filters"])
    weights = [
        LayerWeight("depthwise_kernel", (*sizes, channels, multiplier), True),
        LayerWeight("pointwise_kernel", (*(1,) * len(sizes), multiplier * channels, filters), True),
    ]
    depthwise = f"{window} × {channels} × {multiplier}"
    if config["use_bias"]:
        weights.append(LayerWeight("bias", (filters,), True))
        return Derivation(
            tuple(weights), f"{depthwise} + {filters} × ({channels} × {multiplier} + 1)"
        )
    return Derivation(tuple(weights), f"{depthwise} + {filters} × {channels} × {multiplier}")


def _conv_lstm(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    # The input is (batch, time, ...): channels come after the time axis.
    channels = _channels(config, shapes.first, first_axis=2)
    sizes, window = _window(config)
    filters = int(config["filters"])
    weights = [
        LayerWeight("kernel", (*sizes, channels, 4 * filters), True),
        LayerWeight("recurrent_kernel", (*sizes, filters, 4 * filters), True),
    ]
    if config["use_bias"]:
        weights.append(LayerWeight("bias", (4 * filters,), True))
        formula = f"4 × {filters} × ({window} × ({channels} + {filters}) + 1)"
    else:
        formula = f"4 × {filters} × {window} × ({channels} + {filters})"
    return Derivation(tuple(weights), formula)


# --- rules: recurrent layers, cells and wrappers --------------------------------------------

_BREAKDOWNS: dict[str, Callable[..., counting.ParamBreakdown]] = {
    "LSTM": counting.lstm_param_breakdown,
    "LSTMCell": counting.lstm_param_breakdown,
    "GRU": counting.gru_param_breakdown,
    "GRUCell": counting.gru_param_breakdown,
    "SimpleRNN": counting.simple_rnn_param_breakdown,
    "SimpleRNNCell": counting.simple_rnn_param_breakdown,
}


def _recurrent(kind: str) -> Rule:
    def rule(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
        options = {"use_bias": bool(config["use_bias"])}
        if kind.startswith("GRU"):
            options["reset_after"] = bool(config["reset_after"])
        breakdown = _BREAKDOWNS[kind](int(config["units"]), int(shapes.first[-1]), **options)
        weights = tuple(LayerWeight(w.name, w.shape, True) for w in breakdown.weights)
        return Derivation(weights, breakdown.substituted)

    return rule


def _rnn(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    sequences = shapes.get("sequences_shape") or shapes.first
    cell = _with_shape(config["cell"], (sequences[0], *sequences[2:]))
    return Derivation(children=(cell,), compose=_only, label=f"RNN({_class_name(config['cell'])})")


def _stacked_cells(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    batch, features = shapes.first[0], shapes.first[-1]
    cells = []
    for serialized in config["cells"]:
        cell = serialized if features is None else _with_shape(serialized, (batch, features))
        cells.append(cell)
        # A cell's output, the next cell's input, is its units; for another cell the
        # next cell's own recorded input shape is used.
        units = cell.get("config", {}).get("units") if _class_name(cell) in _BREAKDOWNS else None
        features = None if units is None else int(units)
    return Derivation(children=tuple(cells), compose=_plus)


def _bidirectional(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    # Both directions see the same input; merge_mode only combines their outputs.
    forward = _with_shape(config["layer"], shapes.first)
    backward = _with_shape(config.get("backward_layer") or _backward(config["layer"]), shapes.first)
    names = dict.fromkeys([_class_name(forward), _class_name(backward)])

    def compose(formulas: Sequence[str]) -> str:
        first, second = formulas
        return f"2 × {counting.grouped(first)}" if first == second else f"{first} + {second}"

    return Derivation(
        children=(forward, backward), compose=compose, label=f"Bidirectional({', '.join(names)})"
    )


def _time_distributed(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    # The wrapped layer sees one time step: the input without its time axis.
    inner = _with_shape(config["layer"], (shapes.first[0], *shapes.first[2:]))
    return Derivation(
        children=(inner,), compose=_only, label=f"TimeDistributed({_class_name(inner)})"
    )


def _wrapper(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    inner = _with_shape(config["layer"], shapes.first)
    return Derivation(children=(inner,), compose=_only, label=f"Wrapper({_class_name(inner)})")


def _spectral_normalization(config: Mapping[str, Any], shapes: _Shapes) -> Derivation | NoFormula:
    inner = _with_shape(config["layer"], shapes.first)
    derived = derive(inner)
    kernels = [
        weight.shape
        for weight in (derived.weights if isinstance(derived, Derivation) else ())
        if weight.name in {"kernel", "embeddings"}
    ]
    if not kernels:
        return NoFormula("the layer it wraps has no kernel lstmdoc derives")
    columns = kernels[0][-1]
    vector = LayerWeight("vector_u", (1, columns), False)
    return Derivation(
        weights=(vector,),
        children=(inner,),
        compose=lambda formulas: f"{formulas[0]} + {columns}",
        label=f"SpectralNormalization({_class_name(inner)})",
    )


def _pipeline(config: Mapping[str, Any], _shapes: _Shapes) -> Derivation:
    # Each layer keeps the input shape it was built on in its own build_config.
    return Derivation(children=tuple(config["layers"]), compose=_plus)


# --- rules: attention ----------------------------------------------------------------------


def _multi_head_attention(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    query = shapes.get("query_shape") or shapes.first
    value = shapes.get("value_shape") or query
    key = shapes.get("key_shape") or value
    heads, key_dim = int(config["num_heads"]), int(config["key_dim"])
    value_dim = int(config["value_dim"] or key_dim)
    bias, gate = bool(config["use_bias"]), bool(config.get("use_gate"))
    output = config.get("output_shape")
    output = (
        [int(query[-1])] if not output else _ints([output] if isinstance(output, int) else output)
    )

    def projection(name: str, shape: Shape, last: list[int]) -> Spec:
        equation, bias_axes, rank = _projection_equation(len(shape) - 1, 1, 2)
        return _einsum_spec(name, equation, [None] * (rank - 1 - 2) + last, bias_axes, bias, shape)

    children = [
        projection("query", query, [heads, key_dim]),
        projection("key", key, [heads, key_dim]),
    ]
    if gate:
        children.append(projection("gate", query, [heads, value_dim]))
    children.append(projection("value", value, [heads, value_dim]))
    equation, bias_axes, rank = _projection_equation(len(query) - 1, 2, len(output))
    children.append(
        _einsum_spec(
            "attention_output",
            equation,
            [None] * (rank - 1 - len(output)) + list(output),
            bias_axes,
            bias,
            (*query[:-1], heads, value_dim),
        )
    )
    q, k, v, o = int(query[-1]), int(key[-1]), int(value[-1]), math.prod(output)
    # Per head: key_dim columns for query and key, value_dim for value (and the gate)
    # and the output projection's rows; the output bias is shared by all heads.
    key_terms = f"{q} + {k}" + (" + 2" if bias else "")
    value_terms = f"{v} + {o}" + (f" + {q}" if gate else "") + (" + 1" if bias else "")
    if gate and bias:
        value_terms += " + 1"
    formula = f"{heads} × ({key_dim} × ({key_terms}) + {value_dim} × ({value_terms}))"
    if bias:
        formula += f" + {o}"
    return Derivation(children=tuple(children), compose=lambda _formulas: formula)


def _grouped_query_attention(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    query = shapes.get("query_shape") or shapes.first
    value = shapes.get("value_shape") or query
    key = shapes.get("key_shape") or value
    head_dim = int(config["head_dim"])
    query_heads, kv_heads = int(config["num_query_heads"]), int(config["num_key_value_heads"])
    bias, gate = bool(config["use_bias"]), bool(config.get("use_gate"))
    features = int(query[-1])
    query_side = (None, query_heads, head_dim)
    children = [_einsum_spec("query", "bqm,muh->bquh", query_side, "uh", bias, query)]
    children.append(
        _einsum_spec("key", "bkm,mvh->bkvh", (None, kv_heads, head_dim), "vh", bias, key)
    )
    if gate:
        children.append(_einsum_spec("gate", "bqm,muh->bquh", query_side, "uh", bias, query))
    children.append(
        _einsum_spec("value", "bkm,mvh->bkvh", (None, kv_heads, head_dim), "vh", bias, value)
    )
    children.append(
        _einsum_spec(
            "attention_output",
            "bquh,uhm->bqm",
            (None, features),
            "m",
            bias,
            (None, None, query_heads, head_dim),
        )
    )
    # The query heads project the query (and the gate) in and the output out; the
    # key-value heads, fewer, project key and value.
    projections = 3 if gate else 2
    query_terms = " + ".join(
        [str(features)] * projections + (["1"] * (projections - 1) if bias else [])
    )
    kv_terms = f"{int(key[-1])} + {int(value[-1])}" + (" + 2" if bias else "")
    formula = (
        f"{query_heads} × {head_dim} × ({query_terms}) + {kv_heads} × {head_dim} × ({kv_terms})"
    )
    if bias:
        formula += f" + {features}"
    return Derivation(children=tuple(children), compose=lambda _formulas: formula)


def _attention(config: Mapping[str, Any], _shapes: _Shapes) -> Derivation:
    weights = []
    if config["use_scale"]:
        weights.append(LayerWeight("scale", (), True))
    if config["score_mode"] == "concat":
        weights.append(LayerWeight("concat_score_weight", (), True))
    return Derivation(tuple(weights), " + ".join(["1"] * len(weights)) or "0")


def _additive_attention(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    if not config["use_scale"]:
        return Derivation(formula="0")
    features = int(_shape(shapes.first[0])[-1])  # built on [query, value(, key)]: the query's
    return Derivation((LayerWeight("scale", (features,), True),), f"{features}")


# --- rules: normalization and the rest -------------------------------------------------------


def _batch_normalization(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    channels = int(shapes.first[int(config["axis"])])
    learned = [name for name, on in (("gamma", config["scale"]), ("beta", config["center"])) if on]
    statistics = ["moving_mean", "moving_variance"]
    if config.get("renorm"):
        statistics += ["moving_stddev", "renorm_mean", "renorm_stddev"]
    weights = [LayerWeight(name, (channels,), True) for name in learned]
    weights += [LayerWeight(name, (channels,), False) for name in statistics]
    parts = [f"{count} × {channels}" for count in (len(learned), len(statistics)) if count]
    return Derivation(tuple(weights), " + ".join(parts))


def _axes_shape(config: Mapping[str, Any], shape: Shape) -> tuple[int, ...]:
    axis = config["axis"]
    axes = sorted(axis) if isinstance(axis, (list, tuple)) else [axis]
    return tuple(int(shape[index]) for index in axes)


def _layer_normalization(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    sizes = _axes_shape(config, shapes.first)
    rms = bool(config.get("rms_scaling"))
    names = [
        name
        for name, on in (("gamma", config["scale"] or rms), ("beta", config["center"] and not rms))
        if on
    ]
    weights = tuple(LayerWeight(name, sizes, True) for name in names)
    return Derivation(weights, f"{len(names)} × {shape_formula(sizes)}" if names else "0")


def _rms_normalization(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    sizes = _axes_shape(config, shapes.first)
    return Derivation((LayerWeight("scale", sizes, True),), shape_formula(sizes))


def _group_normalization(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    channels = int(shapes.first[int(config["axis"])])
    names = [name for name, on in (("gamma", config["scale"]), ("beta", config["center"])) if on]
    weights = tuple(LayerWeight(name, (channels,), True) for name in names)
    return Derivation(weights, f"{len(names)} × {channels}" if names else "0")


def _normalization(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    if config.get("mean") is not None:  # given mean and variance are constants, not weights
        return Derivation(formula="0")
    shape = shapes.first
    axis = config["axis"]
    axes = [axis] if isinstance(axis, int) else list(axis or ())
    kept = sorted(index % len(shape) for index in axes)
    sizes = tuple(int(shape[index]) for index in kept)
    weights = (
        LayerWeight("mean", sizes, False),
        LayerWeight("variance", sizes, False),
        LayerWeight("count", (), False),
    )
    return Derivation(weights, f"2 × {shape_formula(sizes)} + 1")


def _prelu(config: Mapping[str, Any], shapes: _Shapes) -> Derivation:
    sizes = [int(size) for size in shapes.first[1:]]
    for axis in config.get("shared_axes") or ():
        sizes[int(axis) - 1] = 1  # as Keras indexes it, for negative axes too
    return Derivation((LayerWeight("alpha", tuple(sizes), True),), shape_formula(sizes))


def _stft_spectrogram(config: Mapping[str, Any], _shapes: _Shapes) -> Derivation:
    frame = int(config["frame_length"])
    fft = int(config.get("fft_length") or 2 ** math.ceil(math.log2(frame)))
    shape = (frame, 1, fft // 2 + 1)
    names = [
        name
        for name, part in (("real_kernel", "imag"), ("imag_kernel", "real"))
        if config["mode"] != part
    ]
    weights = tuple(LayerWeight(name, shape, True) for name in names)
    return Derivation(weights, f"{len(names)} × {frame} × {fft // 2 + 1}")


LAYER_RULES: dict[str, Rule] = {
    "Dense": _dense,
    "EinsumDense": _einsum_dense,
    "Embedding": _embedding,
    "ReversibleEmbedding": _embedding,
    "Conv1D": _conv,
    "Conv2D": _conv,
    "Conv3D": _conv,
    "Conv1DTranspose": _conv_transpose,
    "Conv2DTranspose": _conv_transpose,
    "Conv3DTranspose": _conv_transpose,
    "DepthwiseConv1D": _depthwise_conv,
    "DepthwiseConv2D": _depthwise_conv,
    "SeparableConv1D": _separable_conv,
    "SeparableConv2D": _separable_conv,
    "ConvLSTM1D": _conv_lstm,
    "ConvLSTM2D": _conv_lstm,
    "ConvLSTM3D": _conv_lstm,
    **{name: _recurrent(name) for name in _BREAKDOWNS},
    "RNN": _rnn,
    "StackedRNNCells": _stacked_cells,
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "Wrapper": _wrapper,
    "SpectralNormalization": _spectral_normalization,
    "Pipeline": _pipeline,
    "MultiHeadAttention": _multi_head_attention,
    "GroupedQueryAttention": _grouped_query_attention,
    "Attention": _attention,
    "AdditiveAttention": _additive_attention,
    "BatchNormalization": _batch_normalization,
    "LayerNormalization": _layer_normalization,
    "RMSNormalization": _rms_normalization,
    "GroupNormalization": _group_normalization,
    "Normalization": _normalization,
    "PReLU": _prelu,
    "STFTSpectrogram": _stft_spectrogram,
}
"""The rule for each Keras class that can own weights, by its class name."""

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
    }
)  # fmt: skip
"""Keras classes that create no weights, whatever their configuration."""

RULES = Rules(derive=derive, is_model=is_model, label=label, separator="/", declared="add_weight")
"""Keras' rules, as :mod:`lstmdoc.deriving` walks a model with them."""


# --- optimizers --------------------------------------------------------------------------

_SLOTS: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "SGD": lambda config: ["momentum"] if config.get("momentum") else [],
    "Adam": lambda config: (
        ["momentum", "velocity"] + (["velocity_hat"] if config.get("amsgrad") else [])
    ),
    "AdamW": lambda config: (
        ["momentum", "velocity"] + (["velocity_hat"] if config.get("amsgrad") else [])
    ),
    "Adamax": lambda _config: ["m", "u"],
    "Nadam": lambda _config: ["momentum", "velocity"],
    "RMSprop": lambda config: (
        ["velocity"]
        + (["momentum"] if config.get("momentum") else [])
        + (["average_gradient"] if config.get("centered") else [])
    ),
    "Adagrad": lambda _config: ["accumulator"],
    "Adadelta": lambda _config: ["accumulated_grad", "accumulated_delta_var"],
    "Ftrl": lambda _config: ["accumulator", "linear"],
    "Lion": lambda _config: ["momentum"],
    "Lamb": lambda _config: ["momentum", "velocity"],
}
"""The variables each Keras optimizer keeps for every trainable weight (its ``build()``)."""


def derive_optimizer(
    spec: Spec, trainable_params: int | None
) -> tuple[str | None, int | None, str]:
    """Derive a built optimizer's variable count from its spec and the trainable count.

    Keras counts ``optimizer.variables`` as "Optimizer params": every optimizer keeps
    ``iteration`` and, unless its learning rate is a schedule, ``learning_rate``;
    each then keeps its slots, one array the shape of each trainable weight.

    Returns:
        ``(formula, count, explanation)``; formula and count are ``None`` where
        lstmdoc has no rule for the optimizer.
    """
    name = str(spec.get("class_name", "?"))
    config = spec.get("config")
    if not isinstance(config, Mapping) or not is_builtin(spec):
        return None, None, f"{name} is not one of Keras' optimizers: lstmdoc has no formula for it."
    if name == "LossScaleOptimizer":
        inner = config.get("inner_optimizer")
        formula, count, explanation = derive_optimizer(
            inner if isinstance(inner, Mapping) else {}, trainable_params
        )
        if formula is None or count is None:
            return None, None, explanation
        return (
            f"{counting.grouped(formula)} + 4",
            count + 4,
            (
                f"{explanation} LossScaleOptimizer adds its own iteration and learning_rate, "
                "and step_counter and dynamic_scale."
            ),
        )
    slots_of = _SLOTS.get(name)
    if slots_of is None:
        return None, None, f"lstmdoc has no formula for {name}'s variables."
    slots = slots_of(config)
    if config.get("use_ema"):
        slots.append("average")
    if config.get("gradient_accumulation_steps"):
        slots.append("gradient_accumulator")
    counters = ["iteration"]
    if not isinstance(config.get("learning_rate"), Mapping):  # a schedule keeps no variable
        counters.append("learning_rate")
    if name == "Nadam":
        counters.append("u_product")  # the running product of its momentum factors
    kept = (
        f"{len(slots)} slot{'s' if len(slots) != 1 else ''} ({', '.join(slots)}) "
        "for each trainable parameter"
        if slots
        else "no slot for the trainable parameters"
    )
    explanation = f"{name} keeps {kept}, plus {len(counters)} counters ({', '.join(counters)})."
    if trainable_params is None:
        return None, None, f"{explanation} The trainable count is not derived, so neither is this."
    formula = f"{len(slots)} × {trainable_params} + {len(counters)}"
    return formula, len(slots) * trainable_params + len(counters), explanation


# --- private helpers -------------------------------------------------------------------------


def _only(formulas: Sequence[str]) -> str:
    return formulas[0]


def _plus(formulas: Sequence[str]) -> str:
    return " + ".join(formulas)


def _shape(value: Any) -> Shape:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"a shape must be a list, got {_describe(value)}")
    return tuple(value)


def _ints(values: Any) -> tuple[int, ...]:
    return tuple(int(value) for value in values)


def _lora_rank(config: Mapping[str, Any]) -> int:
    return int(config.get("lora_rank") or 0)


def _quantization(config: Mapping[str, Any]) -> str | None:
    """The quantization mode of a layer, such as ``"int8"``, or ``None``.

    A quantized layer's dtype policy says so: a ``QuantizedDTypePolicy`` (or another
    policy with a ``mode``) in its config, or a policy name such as ``"int8_from_float32"``.
    """
    policy = config.get("dtype")
    if isinstance(policy, Mapping):
        inner = policy.get("config")
        inner = inner if isinstance(inner, Mapping) else {}
        if inner.get("mode"):
            return str(inner["mode"])
        policy = inner.get("name")
    if isinstance(policy, str) and "_from_" in policy:
        return policy.split("_from_")[0]
    return None


def _class_name(spec: Any) -> str:
    return str(spec.get("class_name", "?")) if isinstance(spec, Mapping) else "?"


def _with_shape(spec: Any, shape: Shape) -> Spec:
    """A copy of a sublayer's spec built on ``shape``, as its wrapper builds it."""
    if not isinstance(spec, Mapping):
        raise TypeError(f"a sublayer must be a serialized layer, got {_describe(spec)}")
    return {**spec, "build_config": {"input_shape": list(shape)}}


def _backward(forward: Mapping[str, Any]) -> Spec:
    """The backward copy Keras makes of a Bidirectional's layer when none is given."""
    config = dict(forward["config"])
    name = str(config.get("name", ""))
    config["name"] = "backward_" + name.removeprefix("forward_")
    config["go_backwards"] = not config.get("go_backwards", False)
    return {**forward, "config": config}


def _projection_equation(free: int, bound: int, output: int) -> tuple[str, str, int]:
    """Keras' ``_build_proj_equation`` of ``MultiHeadAttention``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    inputs = letters[:free]
    kernel = letters[free : free + bound]
    outputs = letters[free + bound : free + bound + output]
    return f"{inputs}{kernel},{kernel}{outputs}->{inputs}{outputs}", outputs, free + output


def _einsum_spec(
    name: str, equation: str, output_shape: Any, bias_axes: str, bias: bool, input_shape: Shape
) -> Spec:
    return {
        "class_name": "EinsumDense",
        "module": "keras.layers",
        "registered_name": None,
        "config": {
            "name": name,
            "equation": equation,
            "output_shape": list(output_shape),
            "bias_axes": bias_axes if bias else None,
        },
        "build_config": {"input_shape": list(input_shape)},
    }


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
