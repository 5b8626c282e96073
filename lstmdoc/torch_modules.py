"""Which parameters and buffers each ``torch.nn`` module creates, from its constructor arguments.

One rule per PyTorch class, read off that class's ``__init__`` in PyTorch 2.13's
``torch/nn/modules/`` (the file is named in each rule's ``source``): given the
module's constructor arguments, as the attributes the module keeps (``in_features``,
``hidden_size``, ``kernel_size``, ``groups`` ...), the rule returns the parameters
it creates, by PyTorch's names and shapes, the buffers it keeps beside them, and
the formula of the count. A rule never reads a tensor, its ``numel()`` or a count.

A module is described by a *spec*, the same dictionary a Keras layer is::

    {"class_name": "Linear", "module": "torch.nn.modules.linear",
     "config": {"name": "classifier", "in_features": 128, "out_features": 10,
                "bias": True}}

A live module gives it (:func:`lstmdoc.explain` reads each attribute in
``TorchRule.reads``), and so does a saved ``state_dict`` (whose names and shapes
give the arguments back, :mod:`lstmdoc.torch_state_dicts`), so both are explained by
these same rules. PyTorch keeps no ``bias`` argument for most modules, only a
``bias`` parameter that is ``None`` when the argument was ``False``: a read such
as ``"bias?"`` asks whether the attribute is set, never how big it is.

Where a formula is Keras' too, the rule reuses Keras' (a ``Linear`` is a ``Dense``,
a convolution is a convolution), and the recurrent modules use
``lstmdoc.pytorch``'s shapes and formulas. Containers (``Sequential``,
``TransformerEncoderLayer``, ``Transformer`` ...) have no rule: they are explained
through the modules they hold. Nothing here imports PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from lstmdoc import counting, keras_weights, pytorch
from lstmdoc.deriving import Derivation, NoFormula, Rules, shape_formula
from lstmdoc.report import LayerWeight

__all__ = ["MODULE_RULES", "RULES", "TorchRule", "derive", "is_builtin", "label"]

Spec = Mapping[str, Any]
Config = Mapping[str, Any]


@dataclass(frozen=True)
class TorchRule:
    """What one PyTorch class creates, and which of its attributes say so.

    Attributes:
        reads: the module attributes the rule needs, by PyTorch's names;
            ``"bias?"`` reads whether ``module.bias`` is set (not ``None``).
        derive: the rule: the attributes, by name without ``?``, to a derivation.
        source: where PyTorch creates the parameters, such as
            ``torch/nn/modules/linear.py, Linear.__init__``.
    """

    reads: tuple[str, ...]
    derive: Callable[[Config], Derivation]
    source: str

    @property
    def keys(self) -> tuple[str, ...]:
        """The config keys the rule reads: its attributes' names, without ``?``."""
        return tuple(read.rstrip("?") for read in self.reads)


def _weights(*named: tuple[str, tuple[int, ...]]) -> tuple[LayerWeight, ...]:
    return tuple(LayerWeight(name, shape, True) for name, shape in named)


def _flag(config: Config, key: str) -> bool:
    value = config[key]
    if not isinstance(value, bool):
        raise TypeError(f"{key} must be True or False, got {value!r}")
    return value


def _size(config: Config, key: str) -> int:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{key} must be a non-negative integer, got {value!r}")
    return value


def _sizes(config: Config, key: str) -> tuple[int, ...]:
    value = config[key]
    values = (value,) if isinstance(value, int) else tuple(value)
    if not values or any(isinstance(size, bool) or not isinstance(size, int) for size in values):
        raise TypeError(f"{key} must be a size or a tuple of sizes, got {value!r}")
    return values


# --- rules: dense layers and embeddings ------------------------------------------------


def _linear(config: Config) -> Derivation:
    inputs, outputs = _size(config, "in_features"), _size(config, "out_features")
    bias = _flag(config, "bias")
    # A Linear is Keras' Dense, transposed: the formula is the Dense's.
    breakdown = counting.dense_param_breakdown(outputs, inputs, use_bias=bias)
    named = [("weight", (outputs, inputs))] + ([("bias", (outputs,))] if bias else [])
    return Derivation(_weights(*named), breakdown.substituted)


def _bilinear(config: Config) -> Derivation:
    first, second = _size(config, "in1_features"), _size(config, "in2_features")
    outputs, bias = _size(config, "out_features"), _flag(config, "bias")
    named = [("weight", (outputs, first, second))] + ([("bias", (outputs,))] if bias else [])
    formula = f"{outputs} × ({first} × {second} + 1)" if bias else f"{outputs} × {first} × {second}"
    return Derivation(_weights(*named), formula)


def _embedding(config: Config) -> Derivation:
    # padding_idx, max_norm and sparse change how rows are used, not how many there are.
    rows, columns = _size(config, "num_embeddings"), _size(config, "embedding_dim")
    return Derivation(_weights(("weight", (rows, columns))), f"{rows} × {columns}")


# --- rules: convolutions ----------------------------------------------------------------


def _convolution(config: Config) -> Derivation:
    inputs, outputs = _size(config, "in_channels"), _size(config, "out_channels")
    window, groups = _sizes(config, "kernel_size"), _size(config, "groups")
    bias, transposed = _flag(config, "bias"), _flag(config, "transposed")
    if groups < 1 or inputs % groups or outputs % groups:
        raise ValueError(f"groups={groups} must divide {inputs} and {outputs}")
    # _ConvNd.__init__: (out, in / groups, *window), or (in, out / groups, *window)
    # transposed; either way out × window × in / groups values, and one bias per output.
    weight = (
        (inputs, outputs // groups, *window) if transposed else (outputs, inputs // groups, *window)
    )
    named = [("weight", weight)] + ([("bias", (outputs,))] if bias else [])
    formula = keras_weights.conv_formula(
        outputs, " × ".join(map(str, window)), inputs, groups, bias
    )
    return Derivation(_weights(*named), formula)


# --- rules: normalization and the rest ---------------------------------------------------


def _affine(count: int, sizes: tuple[int, ...]) -> str:
    return (
        "0"
        if not count
        else f"{count} × {shape_formula(sizes)}"
        if count > 1
        else shape_formula(sizes)
    )


def _layer_norm(config: Config) -> Derivation:
    sizes = _sizes(config, "normalized_shape")
    names = ["weight"] if _flag(config, "elementwise_affine") else []
    names += ["bias"] if _flag(config, "bias") else []
    return Derivation(_weights(*((name, sizes) for name in names)), _affine(len(names), sizes))


def _rms_norm(config: Config) -> Derivation:
    sizes = _sizes(config, "normalized_shape")
    names = ["weight"] if _flag(config, "elementwise_affine") else []
    return Derivation(_weights(*((name, sizes) for name in names)), _affine(len(names), sizes))


def _group_norm(config: Config) -> Derivation:
    channels = _size(config, "num_channels")
    names = ["weight"] if _flag(config, "affine") else []
    names += ["bias"] if _flag(config, "bias") else []
    return Derivation(
        _weights(*((name, (channels,)) for name in names)), _affine(len(names), (channels,))
    )


def _norm_base(config: Config) -> Derivation:
    # _NormBase.__init__: a learned scale and shift per feature (affine=True), and,
    # with track_running_stats=True, three buffers, which are not parameters.
    features = _size(config, "num_features")
    names = ["weight"] if _flag(config, "affine") else []
    names += ["bias"] if _flag(config, "bias") else []
    buffers: tuple[LayerWeight, ...] = ()
    if _flag(config, "track_running_stats"):
        buffers = (
            LayerWeight("running_mean", (features,), False),
            LayerWeight("running_var", (features,), False),
            LayerWeight("num_batches_tracked", (), False),
        )
    return Derivation(
        _weights(*((name, (features,)) for name in names)),
        _affine(len(names), (features,)),
        buffers=buffers,
    )


def _prelu(config: Config) -> Derivation:
    count = _size(config, "num_parameters")
    return Derivation(_weights(("weight", (count,))), str(count))


def _multihead_attention(config: Config) -> Derivation:
    # MultiheadAttention.__init__: the query, key and value projections are its own
    # parameters, packed in one in_proj_weight when key and value have embed_dim
    # features, and the output projection is a Linear it holds, out_proj.
    width, kdim, vdim = (_size(config, key) for key in ("embed_dim", "kdim", "vdim"))
    packed, bias = _flag(config, "_qkv_same_embed_dim"), _flag(config, "in_proj_bias")
    extra = _flag(config, "bias_k")
    named: list[tuple[str, tuple[int, ...]]]
    if packed:
        named = [("in_proj_weight", (3 * width, width))]
        own = f"3 × {width} × ({width} + 1)" if bias else f"3 × {width} × {width}"
    else:
        named = [
            ("q_proj_weight", (width, width)),
            ("k_proj_weight", (width, kdim)),
            ("v_proj_weight", (width, vdim)),
        ]
        own = f"{width} × ({width} + {kdim} + {vdim}" + (" + 3)" if bias else ")")
    named += [("in_proj_bias", (3 * width,))] if bias else []
    if extra:  # add_bias_kv=True: one learned key and value appended to each sequence
        named += [("bias_k", (1, 1, width)), ("bias_v", (1, 1, width))]
        own += f" + 2 × {width}"
    out_proj = {
        "class_name": "NonDynamicallyQuantizableLinear",
        "module": "torch.nn.modules.linear",
        "config": {"name": "out_proj", "in_features": width, "out_features": width, "bias": bias},
    }
    return Derivation(
        _weights(*named),
        children=(out_proj,),
        compose=lambda formulas: f"{own} + {formulas[0]}",
    )


# --- rules: recurrent modules and cells ------------------------------------------------------


def _recurrent(mode: str) -> Callable[[Config], Derivation]:
    shapes_of = {
        "LSTM": pytorch.torch_lstm_parameter_shapes,
        "GRU": pytorch.torch_gru_parameter_shapes,
        "RNN": pytorch.torch_rnn_parameter_shapes,
    }[mode]

    def rule(config: Config) -> Derivation:
        # batch_first, dropout and nonlinearity change the computation, not the weights.
        options: dict[str, Any] = {
            "num_layers": config["num_layers"],
            "bias": config["bias"],
            "bidirectional": config["bidirectional"],
        }
        if mode == "LSTM":
            options["proj_size"] = config["proj_size"]
        elif config["proj_size"]:
            raise ValueError(f"a {mode} has no projection, got proj_size={config['proj_size']}")
        shapes = shapes_of(config["input_size"], config["hidden_size"], **options)
        formula = pytorch.torch_recurrent_formula(
            mode, config["input_size"], config["hidden_size"], **options
        )
        return Derivation(_weights(*shapes.items()), formula)

    return rule


def _cell(mode: str) -> Callable[[Config], Derivation]:
    layer = _recurrent(mode)

    def rule(config: Config) -> Derivation:
        # RNNCellBase.__init__: one layer's weights, named without its _l0.
        one = layer(
            {
                **config,
                "num_layers": 1,
                "bidirectional": False,
                "proj_size": 0,
            }
        )
        weights = tuple(replace(w, name=w.name.removesuffix("_l0")) for w in one.weights)
        return Derivation(weights, one.formula)

    return rule


_RECURRENT_READS = ("input_size", "hidden_size", "num_layers", "bias", "bidirectional", "proj_size")
_CELL_READS = ("input_size", "hidden_size", "bias")
_CONV_READS = ("in_channels", "out_channels", "kernel_size", "groups", "transposed", "bias?")
_NORM_READS = ("num_features", "affine", "track_running_stats", "bias?")
_SOURCE = "torch/nn/modules/"

MODULE_RULES: dict[str, TorchRule] = {
    "Linear": TorchRule(
        ("in_features", "out_features", "bias?"), _linear, f"{_SOURCE}linear.py, Linear.__init__"
    ),
    "NonDynamicallyQuantizableLinear": TorchRule(
        ("in_features", "out_features", "bias?"), _linear, f"{_SOURCE}linear.py, Linear.__init__"
    ),
    "Bilinear": TorchRule(
        ("in1_features", "in2_features", "out_features", "bias?"),
        _bilinear,
        f"{_SOURCE}linear.py, Bilinear.__init__",
    ),
    "Embedding": TorchRule(
        ("num_embeddings", "embedding_dim"), _embedding, f"{_SOURCE}sparse.py, Embedding.__init__"
    ),
    "EmbeddingBag": TorchRule(
        ("num_embeddings", "embedding_dim"),
        _embedding,
        f"{_SOURCE}sparse.py, EmbeddingBag.__init__",
    ),
    **{
        name: TorchRule(_CONV_READS, _convolution, f"{_SOURCE}conv.py, _ConvNd.__init__")
        for name in (
            "Conv1d",
            "Conv2d",
            "Conv3d",
            "ConvTranspose1d",
            "ConvTranspose2d",
            "ConvTranspose3d",
        )
    },
    "LayerNorm": TorchRule(
        ("normalized_shape", "elementwise_affine", "bias?"),
        _layer_norm,
        f"{_SOURCE}normalization.py, LayerNorm.__init__",
    ),
    "RMSNorm": TorchRule(
        ("normalized_shape", "elementwise_affine"),
        _rms_norm,
        f"{_SOURCE}normalization.py, RMSNorm.__init__",
    ),
    "GroupNorm": TorchRule(
        ("num_channels", "affine", "bias?"),
        _group_norm,
        f"{_SOURCE}normalization.py, GroupNorm.__init__",
    ),
    **{
        name: TorchRule(_NORM_READS, _norm_base, f"{_SOURCE}batchnorm.py, _NormBase.__init__")
        for name in (
            "BatchNorm1d",
            "BatchNorm2d",
            "BatchNorm3d",
            "SyncBatchNorm",
            "InstanceNorm1d",
            "InstanceNorm2d",
            "InstanceNorm3d",
        )
    },
    "PReLU": TorchRule(("num_parameters",), _prelu, f"{_SOURCE}activation.py, PReLU.__init__"),
    "MultiheadAttention": TorchRule(
        ("embed_dim", "kdim", "vdim", "_qkv_same_embed_dim", "in_proj_bias?", "bias_k?"),
        _multihead_attention,
        f"{_SOURCE}activation.py, MultiheadAttention.__init__",
    ),
    **{
        mode: TorchRule(_RECURRENT_READS, _recurrent(mode), f"{_SOURCE}rnn.py, RNNBase.__init__")
        for mode in ("LSTM", "GRU", "RNN")
    },
    **{
        f"{mode}Cell": TorchRule(_CELL_READS, _cell(mode), f"{_SOURCE}rnn.py, RNNCellBase.__init__")
        for mode in ("LSTM", "GRU", "RNN")
    },
}
"""The rule for each PyTorch class that creates parameters, by its class name."""

CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"})
"""PyTorch's containers: the modules, or parameters, they hold are explained one by one."""


def is_builtin(spec: Spec) -> bool:
    """Whether the spec names one of PyTorch's own classes, not a user's class of that name."""
    module = spec.get("module")
    # torch.nn.modules holds every class with a rule; elsewhere, such as the
    # parametrizations of torch.nn.utils, modules are explained like a user's.
    return isinstance(module, str) and module.startswith("torch.nn.modules.")


def derive(spec: Spec) -> Derivation | NoFormula | None:
    """Derive a module's parameters and buffers from its spec.

    Returns:
        A :class:`~lstmdoc.deriving.Derivation`; a :class:`~lstmdoc.deriving.NoFormula`
        for a built-in class whose attributes do not fit its rule; ``None`` for a
        class without a rule (a container, a custom module, or a built-in lstmdoc
        has no formula for).
    """
    rule = MODULE_RULES.get(str(spec.get("class_name"))) if is_builtin(spec) else None
    if rule is None:
        return None
    config = spec.get("config")
    if not isinstance(config, Mapping):
        return NoFormula("its attributes are not a dictionary")
    missing = [key for key in rule.keys if key not in config]
    if missing:
        return NoFormula(f"its attributes {', '.join(missing)} were not read")
    try:
        derivation = rule.derive(config)
    except (ArithmeticError, KeyError, TypeError, ValueError) as error:
        return NoFormula(f"its attributes are not ones lstmdoc understands ({error})")
    # requires_grad is no constructor argument: the live module says which are frozen.
    frozen = set(config.get("frozen", ()))
    if frozen:
        weights = tuple(replace(w, trainable=w.name not in frozen) for w in derivation.weights)
        derivation = replace(derivation, weights=weights)
    return derivation


def is_model(spec: Spec) -> bool:
    """Whether the spec is one of PyTorch's containers (``Sequential``, ``ModuleList``...)."""
    return is_builtin(spec) and spec.get("class_name") in CONTAINERS


def label(spec: Spec, derivation: Derivation | NoFormula | None = None) -> str:
    """The class to show: a file's inferred constructor call, or the class name."""
    if isinstance(derivation, Derivation) and derivation.label:
        return derivation.label
    return str(spec.get("label") or spec.get("class_name", "?"))


RULES = Rules(
    derive=derive,
    is_model=is_model,
    label=label,
    separator=".",
    declared="nn.Parameter",
    buffers=True,
)
"""PyTorch's rules, as :mod:`lstmdoc.deriving` walks a live module with them."""


def weights_of(spec: Spec) -> dict[str, tuple[int, ...]] | None:
    """Every tensor a module's rule creates, parameters and buffers, by ``state_dict`` name.

    The tensors of the modules it builds (a ``MultiheadAttention``'s ``out_proj``)
    are included, prefixed with their names; ``None`` if the spec has no rule.
    """
    derivation = derive(spec)
    if not isinstance(derivation, Derivation):
        return None
    tensors = {w.name: w.shape for w in (*derivation.weights, *derivation.buffers)}
    for child in derivation.children:
        inner = weights_of(child)
        if inner is None:
            return None
        name = child["config"]["name"]
        tensors |= {f"{name}.{key}": shape for key, shape in inner.items()}
    return tensors
