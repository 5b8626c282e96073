"""Keras' ``EinsumDense``: the shapes of its kernel and bias, from its equation.

Read off ``keras/src/layers/core/einsum_dense.py`` (``_analyze_einsum_string`` and
``_analyze_split_string``), which ``EinsumDense.build()`` calls, and
``_analyze_quantization_info``, which lays out a quantized kernel's scales; ``MultiHeadAttention``
and ``GroupedQueryAttention`` build their projections as ``EinsumDense`` layers with
the equations of :func:`projection_equation`.
"""

from __future__ import annotations

import re
from typing import Any

from lstmdoc.keras.specs import Shape, ints
from lstmdoc.report.rules import Spec

__all__ = [
    "einsum_dense_shapes",
    "einsum_spec",
    "kernel_quantization_axes",
    "projection_equation",
]


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
    return ints(kernel), None if bias is None else ints(bias)


def kernel_quantization_axes(equation: str) -> tuple[list[int], list[int], list[int], list[int]]:
    """The kernel's axes as Keras' ``_analyze_quantization_info`` finds them, for its scales.

    Returns the axes the kernel is summed over (``_kernel_reduced_axes``), and its
    scale's transpose, expand and squeeze axes, step by step as Keras computes them.
    Keras 3.15 passes the input's rank where that function reads the input's shape, so
    an equation with an ellipsis fails there; this refuses one too (``ValueError``).

    Args:
        equation: such as ``"abc,cde->abde"``, without an ellipsis.
    """
    match = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", equation)
    if match is None:
        raise ValueError(f"Keras cannot lay out quantized scales for {equation!r}")
    inputs, kernel, outputs = match.groups()
    input_reduced = [axis for axis, letter in enumerate(inputs) if letter not in outputs]
    reduced = [axis for axis, letter in enumerate(kernel) if letter not in outputs]
    # Keras' loops below reuse one variable, ``index``, last set here: kept, to match.
    index = outputs.find(kernel[-1])
    input_expand = [axis for axis, letter in enumerate(outputs) if letter not in inputs]
    expand = [axis for axis, letter in enumerate(outputs) if letter not in kernel]
    transpose = [kernel.index(letter) for letter in outputs if letter in kernel]
    for _ in input_reduced:
        if input_expand:
            index = input_expand.pop(0)
    squeeze = []
    for axis in reduced:
        if expand:
            index = expand.pop(0)
        else:
            squeeze.append(axis)
        transpose.insert(index, axis)
    return reduced, transpose, expand, squeeze


def projection_equation(free: int, bound: int, output: int) -> tuple[str, str, int]:
    """Keras' ``_build_proj_equation`` of ``MultiHeadAttention``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    inputs = letters[:free]
    kernel = letters[free : free + bound]
    outputs = letters[free + bound : free + bound + output]
    return f"{inputs}{kernel},{kernel}{outputs}->{inputs}{outputs}", outputs, free + output


def einsum_spec(
    name: str, equation: str, output_shape: Any, bias_axes: str, bias: bool, input_shape: Shape
) -> Spec:
    """The spec of an ``EinsumDense`` projection that an attention layer builds."""
    return Spec(
        class_name="EinsumDense",
        module="keras.layers",
        config={
            "name": name,
            "equation": equation,
            "output_shape": list(output_shape),
            "bias_axes": bias_axes if bias else None,
        },
        build_config={"input_shape": list(input_shape)},
    )
