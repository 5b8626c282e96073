"""Each module's output shape, from one forward pass on an input the caller gives.

A ``torch.nn.Module`` does not know its shapes until it runs, so, as torchinfo's
``summary(model, input_size=...)`` does, :func:`output_shapes` runs the module once
on the input given, with a forward hook on every module that records the shape of
what it returns. The pass runs in eval mode and without gradients, so a batch norm's
running statistics and a dropout's randomness are left as they were, and every
module's ``training`` flag is restored afterwards.

Where a module returns several tensors (an LSTM's output and its final states, a
``MultiheadAttention``'s output and its attention weights), the first is the one
recorded, as torchinfo shows it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from lstmdoc._checks import first_line, shown, size

__all__ = ["MAX_INPUT_VALUES", "Shape", "describe_input", "output_shapes"]

Shape = tuple[int, ...]

MAX_INPUT_VALUES = 2**28
"""The most values an ``input_size`` may ask for: 1 GiB of float32, a bound on memory."""


def output_shapes(module: Any, input_size: Any = None, input_data: Any = None) -> dict[int, Shape]:
    """Run ``module`` once and return each module's output shape, by the module's ``id``.

    Args:
        module: a ``torch.nn.Module``.
        input_size: the input's shape, batch first, such as ``(1, 20, 1)``; or a
            sequence of shapes, one per positional input. Filled with zeros as float32,
            on the device of the module's first parameter.
        input_data: the input itself, where zeros of a shape will not do (an
            ``Embedding``'s integer indices): a tensor, a tuple or list of positional
            inputs, or a dict of keyword inputs.

    Raises:
        ValueError: both or neither of ``input_size`` and ``input_data`` given, a size
            that is not positive or asks for more than :data:`MAX_INPUT_VALUES` values,
            or a forward pass that fails on the input.
        TypeError: ``input_size`` is not a sequence of sizes.
    """
    torch = sys.modules["torch"]
    if (input_size is None) == (input_data is None):
        raise ValueError("give one of input_size and input_data, not both")
    args, kwargs = _inputs(torch, module, input_size, input_data)
    shapes: dict[int, Shape] = {}

    def record(inner: Any, _inputs: Any, output: Any) -> None:
        first = _first_tensor(torch, output)
        if first is not None and id(inner) not in shapes:
            shapes[id(inner)] = tuple(int(size) for size in first.shape)

    modules = list(module.modules())
    training = [inner.training for inner in modules]
    hooks = [inner.register_forward_hook(record) for inner in modules]
    try:
        module.eval()
        with torch.no_grad():
            module(*args, **kwargs)
    except Exception as error:  # noqa: BLE001  (a user's forward may raise anything)
        raise ValueError(
            f"the forward pass on {describe_input(input_size)} failed: "
            f"{type(error).__name__}: {shown(first_line(error, limit=200))}"
        ) from None
    finally:
        for hook in hooks:
            hook.remove()
        for inner, mode in zip(modules, training, strict=True):
            inner.training = mode
    return shapes


def describe_input(input_size: Any, input_data: Any = None) -> str:
    """The input in words, for the report: ``an input of size (1, 20, 1)``."""
    if input_size is not None:
        return "an input of size " + ", ".join(_written(shape) for shape in _sizes(input_size))
    args, kwargs = _arguments(input_data)
    found = [
        tuple(int(n) for n in item.shape)
        for item in (*args, *kwargs.values())
        if hasattr(item, "shape")
    ]
    if not found:
        return "the input data given"
    return "input data of size " + ", ".join(_written(shape) for shape in found)


# --- private helpers ----------------------------------------------------------------------


def _inputs(
    torch: Any, module: Any, input_size: Any, input_data: Any
) -> tuple[Sequence[Any], Mapping[str, Any]]:
    if input_data is not None:
        return _arguments(input_data)
    first = next(module.parameters(), None)
    device = first.device if first is not None else None
    if device is not None and device.type == "meta":
        raise ValueError("a module on the meta device cannot run: its tensors hold no values")
    return tuple(torch.zeros(shape, device=device) for shape in _sizes(input_size)), {}


def _arguments(input_data: Any) -> tuple[Sequence[Any], Mapping[str, Any]]:
    """``input_data`` as the forward pass's positional and keyword arguments."""
    if isinstance(input_data, Mapping):
        return (), dict(input_data)
    if isinstance(input_data, (tuple, list)):
        return tuple(input_data), {}
    return (input_data,), {}


def _sizes(input_size: Any) -> list[Shape]:
    """``input_size`` as a list of shapes, each checked, the whole bounded."""
    if not isinstance(input_size, (tuple, list)) or not input_size:
        raise TypeError(
            f"input_size must be a tuple of sizes, or a list of such tuples, got {input_size!r}"
        )
    several = all(isinstance(item, (tuple, list)) for item in input_size)
    shapes = [tuple(item) for item in input_size] if several else [tuple(input_size)]
    checked = [
        tuple(size(f"input_size[{axis}]", value, minimum=1) for axis, value in enumerate(shape))
        for shape in shapes
    ]
    values = sum(math.prod(shape) for shape in checked)
    if values > MAX_INPUT_VALUES:
        raise ValueError(
            f"input_size asks for {values:,} values, more than lstmdoc allocates "
            f"({MAX_INPUT_VALUES:,}): a batch of 1 gives the same shapes per sample"
        )
    return checked


def _written(shape: Shape) -> str:
    return "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")


def _first_tensor(torch: Any, output: Any) -> Any:
    """The first tensor in a module's output: itself, or the first in a tuple, list or dict."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, Mapping):
        output = list(output.values())
    if isinstance(output, (tuple, list)):
        for item in output:
            found = _first_tensor(torch, item)
            if found is not None:
                return found
    return None
