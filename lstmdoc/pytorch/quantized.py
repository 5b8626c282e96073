"""Rules for PyTorch's quantized modules, which keep their weights packed and count 0 parameters.

``torch.ao.quantization.quantize_dynamic`` turns ``Linear``, ``LSTM``, ``GRU`` and the
cells into the classes of ``torch.ao.nn.quantized.dynamic`` (and, with
``dtype=torch.quint8``, ``Embedding`` and ``EmbeddingBag`` into those of
``torch.ao.nn.quantized``); static quantization (``torch.ao.quantization.convert``)
gives ``torch.ao.nn.quantized.Linear``, its convolutions and their transposes. Each
keeps the float module's weights, quantized, and its biases, in float32, inside
packed objects (``_packed_params``, ``_all_weight_values``, ``_packed_weight_ih``)
that are neither parameters nor buffers: ``parameters()`` yields nothing, and PyTorch
counts 0. A rule derives that 0, and says in a note what is stored, in the float
module's shapes (from the float module's rule).

Read off ``torch/ao/nn/quantized/dynamic/modules/linear.py`` (``Linear.__init__``,
``from_float``), ``dynamic/modules/rnn.py`` (``RNNBase.__init__``,
``RNNCellBase.__init__``, ``from_float``: an LSTM's or GRU's weights are quantized by
the qconfig's weight observer, its biases stay float), ``modules/linear.py``
(``LinearPackedParams``), ``modules/conv.py`` (``_ConvNd._init``) and
``modules/embedding_ops.py`` (``Embedding.__init__``, ``from_float``: rows quantized
``per_channel_affine_float_qparams``, a float scale and zero point per row).

The quantized norms (``modules/batchnorm.py``, ``modules/normalization.py``) hold float
parameters, which PyTorch counts, the ``weight`` and ``bias`` they are given, and two
buffers more than the float norms: their output's ``scale`` and ``zero_point``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.counting.formulas import shape_formula
from lstmdoc.pytorch import conv, linear, rnn, sparse
from lstmdoc.pytorch.rule import Config, TorchRule, flag, sizes
from lstmdoc.report.rules import Derivation

__all__ = ["DYNAMIC_RULES", "STATIC_RULES", "display_name"]

_DYNAMIC = "torch/ao/nn/quantized/dynamic/modules"
_STATIC = "torch/ao/nn/quantized/modules"

# How each dtype stores a weight's values.
_STORED = {
    "qint8": "as qint8",
    "quint8": "as quint8",
    "quint4x2": "as 4-bit values, two to a byte (quint4x2)",
    "float16": "as float16",
}


def _packed(
    float_rule: Callable[[Config], Derivation],
    kind: str,
    where: str,
    *,
    dtype: str | None,
    scales: str,
    dynamic: bool = False,
    after: str = "",
) -> Callable[[Config], Derivation]:
    """A quantized module's rule: 0 parameters, and a note on what its packed objects hold.

    Args:
        float_rule: the float module's rule, for the shapes of what is stored.
        kind: the float module, such as ``"LSTM"``.
        where: the packed objects, such as ``"_all_weight_values"``.
        dtype: the attribute that holds the weights' dtype; ``None`` where it is qint8.
        scales: the weights' scales and zero points, in words.
        dynamic: whether the module quantizes its inputs as it runs.
        after: what else the note says.
    """

    def rule(config: Config) -> Derivation:
        arguments = {**config, "proj_size": 0} if kind in {"LSTM", "GRU"} else config
        weights = float_rule(arguments).weights
        stored = "qint8" if dtype is None else str(config[dtype]).removeprefix("torch.")
        if stored not in _STORED:
            raise ValueError(f"PyTorch quantizes no {kind} to {stored}")
        matrices = [weight for weight in weights if not weight.name.startswith("bias")]
        biases = [weight for weight in weights if weight.name.startswith("bias")]
        held = f"{_listed(matrices)} {_STORED[stored]}"
        if stored != "float16":
            held += f" with {scales}"
        if biases:
            held += f", and {_listed(biases)} as float32"
        values = sum(weight.count for weight in weights)
        note = (
            f"{'dynamically ' if dynamic else ''}quantized, it keeps the float {kind}'s "
            f"{values:,} values, {held}, packed in {where}, which are neither parameters nor "
            f"buffers: PyTorch counts 0 parameters{after}"
        )
        return Derivation(formula="0", note=note)

    return rule


def _listed(weights: Sequence[Weight]) -> str:
    """``weight (2, 5)``, ``a (2,) and b (3,)``, or, for more, the first and the last."""
    named = [f"{weight.name} {weight.shape}" for weight in weights]
    if len(named) > 2:
        return f"{len(named)} tensors, {named[0]} to {named[-1]},"
    return " and ".join(named)


# The qconfig's weight observer decides how many scales: per tensor, or per output.
_DYNAMIC_SCALES = (
    "a scale and zero point per matrix (per output row, with a per-channel qconfig "
    "instead of quantize_dynamic's default)"
)
_STATIC_SCALES = "a scale and zero point per tensor, or per output channel, as the qconfig chose"
_ROWS = "a float scale and zero point per row"
_OUTPUT = "; the output's scale and zero point are plain attributes"

_LINEAR_READS = ("in_features", "out_features", "bias?", "_packed_params.dtype")
_RECURRENT_READS = ("input_size", "hidden_size", "num_layers", "bias", "bidirectional", "dtype")
_CELL_READS = ("input_size", "hidden_size", "bias", "weight_dtype")
_CONV_READS = ("in_channels", "out_channels", "kernel_size", "groups", "transposed", "bias?")
_EMBEDDING_READS = ("num_embeddings", "embedding_dim", "dtype")
_CONVOLUTIONS = [f"{name}{rank}d" for name in ("Conv", "ConvTranspose") for rank in (1, 2, 3)]
_CELLS = "_packed_weight_ih and _packed_weight_hh"


def _convolution(name: str, *, dynamic: bool) -> Callable[[Config], Derivation]:
    float_rule = conv.MODULE_RULES[name].derive
    scales = _DYNAMIC_SCALES if dynamic else _STATIC_SCALES
    after = "" if dynamic else _OUTPUT
    return _packed(
        float_rule, name, "_packed_params", dtype=None, scales=scales, dynamic=dynamic, after=after
    )


def _norm(size_key: str, output: tuple[int, ...]) -> Callable[[Config], Derivation]:
    """A quantized norm's rule: its float parameters, statistics, and output's scale and zero point.

    Its ``weight`` and ``bias`` are the tensors it was given (``from_float`` gives the
    float norm's), and a batch norm's statistics those ``from_float`` assigned: each is
    read as set or not, and sized by the norm's features.
    """

    def rule(config: Config) -> Derivation:
        shape = sizes(config, size_key)
        weights = tuple(Weight(name, shape) for name in ("weight", "bias") if flag(config, name))
        statistics = [
            Weight(name, shape if name.startswith("running") else (), False)
            for name in ("running_mean", "running_var", "num_batches_tracked")
            if config.get(name)
        ]
        buffers = (*statistics, Weight("scale", output, False), Weight("zero_point", output, False))
        formula = " + ".join(shape_formula(weight.shape) for weight in weights) or "0"
        return Derivation(weights, formula, buffers=buffers)

    return rule


_BATCH_NORM_READS = (
    "num_features",
    "weight?",
    "bias?",
    "running_mean?",
    "running_var?",
    "num_batches_tracked?",
)


DYNAMIC_RULES: dict[str, TorchRule] = {
    "Linear": TorchRule(
        _LINEAR_READS,
        _packed(
            linear.MODULE_RULES["Linear"].derive,
            "Linear",
            "_packed_params",
            dtype="_packed_params.dtype",
            scales=_DYNAMIC_SCALES,
            dynamic=True,
        ),
        f"{_DYNAMIC}/linear.py, Linear.__init__",
    ),
    **{
        mode: TorchRule(
            _RECURRENT_READS,
            _packed(
                rnn.MODULE_RULES[mode].derive,
                mode,
                "_all_weight_values",
                dtype="dtype",
                scales=_DYNAMIC_SCALES,
                dynamic=True,
            ),
            f"{_DYNAMIC}/rnn.py, {mode}.__init__",
        )
        for mode in ("LSTM", "GRU")
    },
    **{
        cell: TorchRule(
            _CELL_READS,
            _packed(
                rnn.MODULE_RULES[cell].derive,
                cell,
                _CELLS,
                dtype="weight_dtype",
                scales=_DYNAMIC_SCALES,
                dynamic=True,
            ),
            f"{_DYNAMIC}/rnn.py, {cell}.__init__",
        )
        for cell in ("LSTMCell", "GRUCell", "RNNCell")
    },
    **{
        name: TorchRule(
            _CONV_READS,
            _convolution(name, dynamic=True),
            f"{_DYNAMIC}/conv.py, {name}.__init__",
        )
        for name in _CONVOLUTIONS
    },
}
"""The rules of ``torch.ao.nn.quantized.dynamic``'s modules, by class name."""

STATIC_RULES: dict[str, TorchRule] = {
    "Linear": TorchRule(
        _LINEAR_READS,
        _packed(
            linear.MODULE_RULES["Linear"].derive,
            "Linear",
            "_packed_params",
            dtype="_packed_params.dtype",
            scales=_STATIC_SCALES,
            after=_OUTPUT,
        ),
        f"{_STATIC}/linear.py, Linear.__init__",
    ),
    **{
        name: TorchRule(
            _CONV_READS,
            _convolution(name, dynamic=False),
            f"{_STATIC}/conv.py, {name}.__init__",
        )
        for name in _CONVOLUTIONS
    },
    **{
        name: TorchRule(
            _EMBEDDING_READS,
            _packed(
                sparse.MODULE_RULES[name].derive,
                name,
                "_packed_params",
                dtype="dtype",
                scales=_ROWS,
            ),
            f"{_STATIC}/embedding_ops.py, {name}.__init__",
        )
        for name in ("Embedding", "EmbeddingBag")
    },
    # The norms keep float parameters, which PyTorch counts, and their output's scale
    # and zero point as buffers: (1,) in a batch norm, whose from_float assigns the
    # tensors of calculate_qparams(), () in the others.
    **{
        name: TorchRule(
            _BATCH_NORM_READS,
            _norm("num_features", (1,)),
            f"{_STATIC}/batchnorm.py, {name}.__init__",
        )
        for name in ("BatchNorm2d", "BatchNorm3d")
    },
    **{
        name: TorchRule(
            _BATCH_NORM_READS,
            _norm("num_features", ()),
            f"{_STATIC}/normalization.py, {name}.__init__",
        )
        for name in ("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d")
    },
    "LayerNorm": TorchRule(
        ("normalized_shape", "weight?", "bias?"),
        _norm("normalized_shape", ()),
        f"{_STATIC}/normalization.py, LayerNorm.__init__",
    ),
    "GroupNorm": TorchRule(
        ("num_channels", "weight?", "bias?"),
        _norm("num_channels", ()),
        f"{_STATIC}/normalization.py, GroupNorm.__init__",
    ),
}
"""The rules of ``torch.ao.nn.quantized``'s modules, by class name."""


def display_name(class_name: str, *, dynamic: bool) -> str:
    """A quantized class as PyTorch prints it (its ``_get_name()``), such as ``DynamicQuantizedLSTM``."""
    return f"{'DynamicQuantized' if dynamic else 'Quantized'}{class_name}"
