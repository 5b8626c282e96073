"""Rules for Keras' quantized layers: Dense, EinsumDense, Embedding and ReversibleEmbedding.

After ``model.quantize(mode)`` these layers hold other variables than their float
selves, created by their ``quantized_build``, and their dtype policy records the mode
(``"int8"``, ``"int4/<block_size>"``, ``"float8"`` with its ``amax_history_length``,
``"gptq/<weight_bits>/<group_size>"``, ``"awq/4/<group_size>"``), as both
``get_config()`` and a ``.keras`` file keep it, beside a ``quantization_config``
that Keras reads first. Read off Keras 3.15:

- ``keras/src/layers/core/dense.py``: ``Dense.build``, ``_int8_build``, ``_int4_build``,
  ``_float8_build``, ``_gptq_build``, ``_awq_build`` and ``enable_lora``;
- ``keras/src/layers/core/einsum_dense.py``: the same, with ``_get_kernel_scale_shape``
  and ``_analyze_quantization_info``, ported in :mod:`lstmdoc.keras.einsum`;
- ``keras/src/layers/core/embedding.py`` and ``reversible_embedding.py``: ``_int8_build``
  and ``_int4_build`` (an embedding has no float8, GPTQ or AWQ mode);
- ``keras/src/dtype_policies/dtype_policy.py``, and ``get_block_size_for_layer`` in
  ``keras/src/quantizers/quantization_config.py`` (``get_weight_bits_for_layer`` and
  ``get_group_size_for_layer`` in ``gptq_core.py`` and ``awq_core.py``).

Keras counts a variable by its number of values, whatever its dtype
(``summary_utils.count_params``): an int8 kernel counts as many as a float one, and an
int4 kernel, packed two values to a byte, counts its bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.counting.formulas import shape_formula
from lstmdoc.keras.einsum import einsum_dense_shapes, kernel_quantization_axes
from lstmdoc.keras.specs import Rule, Shape, Shapes, ints, lora_rank
from lstmdoc.report.rules import Derivation, NoFormula

__all__ = ["QUANTIZED_RULES", "Quantization", "quantization_of"]

_FLOAT8_HISTORY = 1024  # QuantizedFloat8DTypePolicy.default_amax_history_length


@dataclass(frozen=True)
class Quantization:
    """How a layer is quantized, as its configuration records it.

    Attributes:
        mode: ``"int8"``, ``"int4"``, ``"float8"``, ``"gptq"`` or ``"awq"``.
        block_size: for int4, the inputs that share a scale; ``None`` for one scale
            per output (Keras' per-channel mode, ``-1`` in the policy).
        weight_bits: for GPTQ and AWQ, the bits of each weight.
        group_size: for GPTQ and AWQ, the inputs that share a scale; ``-1`` for one group.
        amax_history_length: for float8, how many maxima each history keeps.
    """

    mode: str
    block_size: int | None = None
    weight_bits: int = 8
    group_size: int = -1
    amax_history_length: int = _FLOAT8_HISTORY

    def groups(self, rows: int) -> int:
        """How many groups of ``group_size`` (GPTQ, AWQ) ``rows`` inputs make."""
        return 1 if self.group_size == -1 else math.ceil(rows / self.group_size)

    @property
    def described(self) -> str:
        """The mode in words, such as ``int4 in blocks of 128``."""
        if self.mode == "int4":
            blocks = f"in blocks of {self.block_size}" if self.block_size else "per channel"
            return f"int4 {blocks}"
        if self.mode in {"gptq", "awq"}:
            grouped = "one group" if self.group_size == -1 else f"groups of {self.group_size}"
            return f"{self.mode.upper()} ({self.weight_bits}-bit weights, {grouped})"
        return self.mode


def quantization_of(config: Mapping[str, Any]) -> Quantization | None:
    """The quantization a layer's configuration records, or ``None`` for a float layer.

    Keras reads a ``quantization_config`` of the mode's class first, then the dtype
    policy's mode string; so does this.

    Raises:
        ValueError: the policy's mode is not one Keras 3.15 knows.
    """
    policy = config.get("dtype")
    mode, history = None, _FLOAT8_HISTORY
    if isinstance(policy, Mapping):
        inner = policy.get("config")
        inner = inner if isinstance(inner, Mapping) else {}
        mode = inner.get("mode")
        history = int(inner.get("amax_history_length", history))
        if mode is None and isinstance(inner.get("name"), str):
            policy = inner["name"]
    if isinstance(policy, str) and "_from_" in policy:
        mode = policy.split("_from_")[0]
    if not mode:
        return None
    kind, *numbers = str(mode).split("/")
    settings = _quantization_config(config)
    if kind == "int8" and not numbers:
        return Quantization("int8")
    if kind == "float8" and not numbers:
        return Quantization("float8", amax_history_length=history)
    if kind == "int4" and len(numbers) <= 1:
        block = settings.get("block_size", int(numbers[0]) if numbers else None)
        return Quantization("int4", block_size=None if block in (None, -1) else int(block))
    if kind in {"gptq", "awq"} and len(numbers) == 2:
        bits = int(settings.get("weight_bits", numbers[0]))
        return Quantization(
            kind, weight_bits=bits, group_size=int(settings.get("group_size", numbers[1]))
        )
    raise ValueError(f"unknown quantization mode {mode!r}")


def _quantization_config(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The settings of the layer's ``quantization_config``, where it is the mode's own."""
    serialized = config.get("quantization_config")
    if not isinstance(serialized, Mapping):
        return {}
    settings = serialized.get("config")
    settings = settings if isinstance(settings, Mapping) else {}
    keys = {
        "Int4QuantizationConfig": ("block_size",),
        "GPTQConfig": ("weight_bits", "group_size"),
        "AWQConfig": ("weight_bits", "group_size"),
    }.get(str(serialized.get("class_name")), ())
    return {key: settings[key] for key in keys if key in settings}


# --- the rules ------------------------------------------------------------------------------


def _dense(config: Mapping[str, Any], shapes: Shapes) -> Derivation | NoFormula:
    features, units = int(shapes.first[-1]), int(config["units"])
    bias = (Weight("bias", (units,), True),) if config["use_bias"] else ()
    return _quantized_kernel(config, (features, units), bias, features, units)


def _einsum_dense(config: Mapping[str, Any], shapes: Shapes) -> Derivation | NoFormula:
    equation = str(config["equation"])
    kernel, bias_shape = einsum_dense_shapes(
        equation, config.get("bias_axes"), shapes.first, config["output_shape"]
    )
    bias = () if bias_shape is None else (Weight("bias", bias_shape, True),)
    mode = _required(config).mode
    if mode == "float8":  # float8 leaves the kernel as it is
        return _quantized_kernel(config, kernel, bias, 0, 0)
    if "..." in equation:
        return NoFormula(
            "Keras 3.15 cannot quantize an EinsumDense whose equation has an ellipsis: "
            "its _analyze_quantization_info takes len() of the input's rank, an int"
        )
    if mode in {"gptq", "awq"}:
        rows, columns = _gptq_split(kernel, mode)
        return _quantized_kernel(config, kernel, bias, rows, columns, zero="zero_point")
    reduced, transpose, expand, squeeze = kernel_quantization_axes(equation)
    # int4 flattens the kernel to (the axes it sums over, the axes it keeps).
    rows = math.prod(kernel[axis] for axis in reduced)
    columns = math.prod(size for axis, size in enumerate(kernel) if axis not in reduced)
    # int8 keeps one scale per output, laid out as _get_kernel_scale_shape lays it out.
    scale = [1 if axis in reduced else size for axis, size in enumerate(kernel)]
    scale = [scale[axis] for axis in transpose]
    for axis in sorted(expand):
        scale.insert(axis, 1)
    for axis in sorted(squeeze, reverse=True):
        scale.pop(axis)
    return _quantized_kernel(config, kernel, bias, rows, columns, int8_scale=tuple(scale))


def _gptq_split(kernel: Shape, mode: str) -> tuple[int, int]:
    """GPTQ's and AWQ's rows (inputs) and columns (outputs) of an EinsumDense kernel."""
    if len(kernel) == 2:
        return kernel[0], kernel[1]
    if len(kernel) == 3:  # Keras guesses that the model's width is the largest axis
        first, second, third = kernel
        if list(kernel).index(max(kernel)) == 0:  # a query, key or value projection
            return first, second * third
        return first * second, third  # an attention output
    raise ValueError(f"{mode.upper()} quantizes only 2-D or 3-D kernels, not {kernel}")


def _required(config: Mapping[str, Any]) -> Quantization:
    quantized = quantization_of(config)
    if quantized is None:  # the registry sends only quantized layers here
        raise ValueError("the layer is not quantized")
    return quantized


def _quantized_kernel(
    config: Mapping[str, Any],
    kernel: Shape,
    bias: tuple[Weight, ...],
    inputs: int,
    outputs: int,
    *,
    zero: str = "kernel_zero",
    int8_scale: Shape | None = None,
) -> Derivation | NoFormula:
    """The variables of a quantized Dense or EinsumDense, in Keras' ``layer.weights`` order.

    Keras lists the variables created trainable first (the bias, LoRA's factors), then
    the rest, each in the order it created them.

    Args:
        kernel: the float kernel's shape.
        bias: the layer's bias, if any: float and trained in every mode.
        inputs: the size the kernel is quantized along: its rows, once flattened.
        outputs: the size it keeps: one scale for each.
        zero: what the layer calls its GPTQ or AWQ zero points.
        int8_scale: the int8 scale's shape, where it is not ``(outputs,)``.
    """
    quantized = _required(config)
    rank = lora_rank(config)
    lora = _lora(rank, kernel, "kernel")
    kernel = ints(kernel)
    trains = " and ".join(
        part for part, present in (("the bias", bias), ("the LoRA factors", rank)) if present
    )
    if quantized.mode == "float8":
        weights = (
            Weight("kernel", kernel, not rank),
            *bias,
            *_float8(quantized.amax_history_length),
        )
        note = (
            "quantized to float8 as it computes: the kernel stays float; the inputs, the kernel "
            "and the outputs' gradients each have a scale and a history of "
            f"{quantized.amax_history_length} maxima, which Keras marks trainable so that their "
            "gradients can overwrite them"
        )
        return _derived((*weights, *lora), note)
    if rank and quantized.mode in {"gptq", "awq"}:
        return NoFormula(
            "Keras refuses LoRA on a GPTQ layer, and sizes an AWQ layer's LoRA factors from "
            "its kernel as it is at that moment, which the configuration does not record"
        )
    packed = (outputs + 1) // 2
    if quantized.mode == "int8":
        stored: tuple[Weight, ...] = (
            Weight("kernel", kernel, False),
            Weight("kernel_scale", int8_scale or (outputs,), False),
        )
        note = (
            f"quantized to int8: the kernel ({shape_formula(kernel)}) is stored as int8, "
            f"with a float scale for each of its {outputs} outputs"
        )
    elif quantized.mode == "int4":
        stored = _int4(inputs, outputs, quantized.block_size)
        note = (
            f"quantized to int4: the kernel's {inputs} × {outputs} values are packed two to an "
            f"int8, ({inputs}, {packed}), with " + _int4_scales(quantized.block_size, "inputs")
        )
    else:
        stored = _gptq(inputs, outputs, quantized, zero)
        bits = ", two 4-bit values to a byte" if quantized.weight_bits == 4 else ""
        note = (
            f"quantized by {quantized.described}: the kernel is stored transposed as uint8, "
            f"({stored[0].shape[0]}, {inputs}){bits}, with a float scale and a zero point per "
            "output and group, "
            + ("AWQ's scale per input, " if quantized.mode == "awq" else "")
            + "and g_idx, each input's group, as saved; until it is calibrated, a live layer "
            "also keeps its float kernel"
        )
    verb = "does" if trains == "the bias" else "do"
    note += "; none of these trains" + (f", but {trains} {verb}" if trains else "")
    return _derived((*bias, *lora, *stored), note)


def _int4(inputs: int, outputs: int, block: int | None) -> tuple[Weight, ...]:
    """An int4 kernel, packed along its outputs, and its scales: per output, or per block."""
    packed = Weight("kernel", (inputs, (outputs + 1) // 2), False)
    if not block:
        return packed, Weight("kernel_scale", (outputs,), False)
    scale = (math.ceil(inputs / block), outputs)
    return (
        packed,
        Weight("kernel_scale", scale, False),
        Weight("kernel_zero", scale, False),
        Weight("g_idx", (inputs,), False),
    )


def _int4_scales(block: int | None, along: str) -> str:
    if not block:
        return "a float scale for each output"
    return (
        f"a float scale and an int8 zero point for each output and block of {block} {along}, "
        f"and g_idx, the block of each of the {along}"
    )


def _gptq(inputs: int, outputs: int, quantized: Quantization, zero: str) -> tuple[Weight, ...]:
    """GPTQ's and AWQ's kernel, ``(outputs, inputs)`` as uint8, and its scales."""
    packed = (outputs + 1) // 2 if quantized.weight_bits == 4 else outputs
    groups = quantized.groups(inputs)
    awq = (Weight("awq_scales", (inputs,), False),) if quantized.mode == "awq" else ()
    return (
        Weight("kernel", (packed, inputs), False),
        Weight("kernel_scale", (outputs, groups), False),
        Weight(zero, (outputs, groups), False),
        *awq,
        Weight("g_idx", (inputs,), False),
    )


def _float8(history: int) -> tuple[Weight, ...]:
    """float8's scale and history of maxima, for the inputs, the kernel and the gradients."""
    return tuple(
        Weight(f"{name}_{kind}", shape, True)
        for name in ("inputs", "kernel", "outputs_grad")
        for kind, shape in (("scale", ()), ("amax_history", (history,)))
    )


def _lora(rank: int, matrix: Shape, name: str) -> tuple[Weight, ...]:
    """LoRA's factors of a matrix: ``(*matrix[:-1], rank)`` and ``(rank, matrix[-1])``, trained."""
    if not rank:
        return ()
    return (
        Weight(f"lora_{name}_a", (*ints(matrix[:-1]), rank), True),
        Weight(f"lora_{name}_b", (rank, int(matrix[-1])), True),
    )


def _embedding(config: Mapping[str, Any], _shapes: Shapes) -> Derivation | NoFormula:
    rows, columns = int(config["input_dim"]), int(config["output_dim"])
    quantized = _required(config)
    if quantized.mode not in {"int8", "int4"}:
        return NoFormula(f"Keras quantizes an embedding to int8 or int4 only, not {quantized.mode}")
    reverse = config.get("tie_weights") is False  # ReversibleEmbedding's own output projection
    lora = _lora(lora_rank(config), (rows, columns), "embeddings")
    if quantized.mode == "int8":
        stored = [
            Weight("embeddings", (rows, columns), False),
            Weight("embeddings_scale", (rows,), False),
        ]
        if reverse:
            stored += [
                Weight("reverse_embeddings", (columns, rows), False),
                Weight("reverse_embeddings_scale", (rows,), False),
            ]
        note = (
            f"quantized to int8: the embeddings ({rows} × {columns}) are stored as int8, "
            f"with one float scale per row"
        )
    else:
        block = quantized.block_size
        scale = (rows,) if not block else (rows, math.ceil(columns / block))
        stored = [
            Weight("embeddings", (rows, (columns + 1) // 2), False),
            Weight("embeddings_scale", scale, False),
        ]
        if block:
            stored += [Weight("embeddings_zero", scale, False), Weight("g_idx", (columns,), False)]
        if reverse:
            reverse_scale = (rows,) if not block else (math.ceil(columns / block), rows)
            stored += [
                Weight("reverse_embeddings", ((columns + 1) // 2, rows), False),
                Weight("reverse_embeddings_scale", reverse_scale, False),
            ]
            stored += [Weight("reverse_embeddings_zero", reverse_scale, False)] if block else []
        blocks = f"block of {block} columns" if block else "row"
        note = (
            f"quantized to int4: the embeddings' {rows} × {columns} values are packed two to a "
            f"byte, ({rows}, {(columns + 1) // 2}), with a float scale per {blocks}"
            + (", an int8 zero point per block, and g_idx, each column's block" if block else "")
        )
    if reverse:
        note += "; the reverse projection likewise, transposed"
    note += "; none of these trains" + ("; the LoRA factors do" if lora else "")
    return _derived((*lora, *stored), note)


def _derived(weights: tuple[Weight, ...], note: str) -> Derivation:
    formula = " + ".join(shape_formula(weight.shape) for weight in weights) or "0"
    return Derivation(weights, formula, note=note)


QUANTIZED_RULES: dict[str, Rule] = {
    "Dense": _dense,
    "EinsumDense": _einsum_dense,
    "Embedding": _embedding,
    "ReversibleEmbedding": _embedding,
}
"""The rules of the Keras classes that ``quantize()`` converts, by class name."""
