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

:func:`forward_shapes` records, too, the shapes of the tensors each module was
called with, once for every call, from which :mod:`lstmdoc.pytorch.costs` derives
its multiply-adds. PyTorch's fast path for attention (``torch.backends.mha``) is
turned off for the pass, so that a ``TransformerEncoderLayer`` calls its own
modules, as it does in training, and each is seen.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lstmdoc._checks import first_line, shown, size

__all__ = [
    "MAX_INPUT_VALUES",
    "Call",
    "Pass",
    "Shape",
    "describe_input",
    "forward_shapes",
    "output_shapes",
]

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Call:
    """One call of a module in the forward pass: the shapes of the tensors it was given.

    Attributes:
        args: each positional argument's shape, ``None`` where it was not a tensor
            (a ``PackedSequence``, a flag).
        kwargs: each keyword argument that was a tensor, by name, and its shape.
        output: the shape of the first tensor it returned, if any.
    """

    args: tuple[Shape | None, ...]
    kwargs: tuple[tuple[str, Shape], ...] = ()
    output: Shape | None = None

    def tensor(self, index: int, name: str) -> Shape | None:
        """The shape of the argument at ``index``, or given by ``name``; ``None`` if neither."""
        if index < len(self.args):
            return self.args[index]
        return dict(self.kwargs).get(name)


@dataclass(frozen=True)
class Pass:
    """What one forward pass showed, by each module's ``id``.

    Attributes:
        outputs: the shape of what each module returned first.
        calls: each module's calls, in order: a module run twice is called twice.
    """

    outputs: dict[int, Shape] = field(default_factory=dict)
    calls: dict[int, list[Call]] = field(default_factory=dict)


MAX_INPUT_VALUES = 2**28
"""The most values an ``input_size`` may ask for: 1 GiB of float32, a bound on memory."""


def output_shapes(module: Any, input_size: Any = None, input_data: Any = None) -> dict[int, Shape]:
    """Run ``module`` once and return each module's output shape, by the module's ``id``.

    The arguments, and the errors, are those of :func:`forward_shapes`.
    """
    return forward_shapes(module, input_size, input_data).outputs


def forward_shapes(module: Any, input_size: Any = None, input_data: Any = None) -> Pass:
    """Run ``module`` once; return each module's output shape and the shapes of its calls.

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
    found = Pass()

    def record(inner: Any, given: Any, named: Any, output: Any) -> None:
        first = _first_tensor(torch, output)
        returned = None if first is None else _shape(first)
        if returned is not None and id(inner) not in found.outputs:
            found.outputs[id(inner)] = returned
        call = Call(
            tuple(_shape(item) if isinstance(item, torch.Tensor) else None for item in given),
            tuple(
                (name, _shape(item))
                for name, item in named.items()
                if isinstance(item, torch.Tensor)
            ),
            returned,
        )
        found.calls.setdefault(id(inner), []).append(call)

    modules = list(module.modules())
    training = [inner.training for inner in modules]
    hooks = [inner.register_forward_hook(record, with_kwargs=True) for inner in modules]
    fast_path = _fast_path(torch)
    try:
        module.eval()
        fast_path(False)
        with torch.no_grad():
            module(*args, **kwargs)
    except Exception as error:  # noqa: BLE001  (a user's forward may raise anything)
        raise ValueError(
            f"the forward pass on {describe_input(input_size)} failed: "
            f"{type(error).__name__}: {shown(first_line(error, limit=200))}"
        ) from None
    finally:
        fast_path(True)
        for hook in hooks:
            hook.remove()
        for inner, mode in zip(modules, training, strict=True):
            inner.training = mode
    return found


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
    if type(input_data) in (tuple, list):  # a PackedSequence is a tuple, and one input
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


def _shape(tensor: Any) -> Shape:
    return tuple(int(size) for size in tensor.shape)


def _fast_path(torch: Any) -> Any:
    """A switch for PyTorch's attention fast path: ``set(False)`` turns it off, ``set(True)`` back.

    Only as it was: the switch restores the setting found, whatever it was.
    """
    mha = getattr(getattr(torch, "backends", None), "mha", None)
    if mha is None or not hasattr(mha, "set_fastpath_enabled"):
        return lambda _on: None
    before = bool(mha.get_fastpath_enabled())
    return lambda on: mha.set_fastpath_enabled(before if on else False)


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
