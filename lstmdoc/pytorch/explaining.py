"""Explain a PyTorch model's parameter count, module by module, live or from a ``state_dict``.

``print(model)`` and ``torchinfo`` list counts; :func:`explain_module` says where
each comes from, with the rules of :mod:`lstmdoc.pytorch.registry`, which read each
module's constructor arguments (``in_features``, ``hidden_size``, ``proj_size``,
``kernel_size``, ``groups`` ...), never its tensors. PyTorch's own count,
``sum(p.numel() for p in module.parameters())``, stands beside each row. Buffers
(a batch norm's running statistics), which PyTorch does not count as parameters,
are counted apart.

:func:`explain_state_dict` explains a ``state_dict`` from its names and shapes
alone (:mod:`lstmdoc.pytorch.state_dicts` recognises the classes), and
:func:`explain_checkpoint` a ``.pt`` or ``.pth`` file holding one, read with
``torch.load(..., weights_only=True)``.

Nothing here imports PyTorch, but :func:`explain_checkpoint`, to read the file: a
module passed to :func:`explain_module` has imported it already.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lstmdoc._checks import describe, is_torch_module, size
from lstmdoc.pytorch import optimizers, pretrained, registry, shapes, state_dicts
from lstmdoc.pytorch.live import LiveModule
from lstmdoc.report import ModelReport
from lstmdoc.report.walk import walk_layer, walk_members

__all__ = ["explain_checkpoint", "explain_module", "explain_state_dict"]

# A state_dict's tensors of an unrecognised module may be parameters or buffers.
_STORED_RULES = dataclasses.replace(
    registry.RULES,
    declared="tensor",
    declared_as="tensors of a module whose class a state_dict does not name",
)


def explain_module(
    module: Any, *, input_size: Any = None, input_data: Any = None, optimizer: Any = None
) -> ModelReport:
    """Explain a live ``torch.nn.Module``'s parameter count, module by module.

    A module lstmdoc has a rule for is one row, with the modules it builds beneath
    it (a ``MultiheadAttention``'s ``out_proj``); any other module (``Sequential``,
    a ``TransformerEncoderLayer``, your own class) is the sum of the modules it
    holds and of its own parameters (``nn.Parameter``), counted from their shapes and marked
    as declared.

    With ``input_size`` or ``input_data``, the module runs once on that input
    (:func:`lstmdoc.pytorch.shapes.forward_shapes`), and each row shows its output shape
    and its multiply-adds for that whole input, batch included
    (:mod:`lstmdoc.pytorch.costs`). With ``optimizer``, a ``torch.optim`` optimizer of
    its parameters, the report has its state (:mod:`lstmdoc.pytorch.optimizers`).

    Raises:
        TypeError: ``module`` is not a ``torch.nn.Module``, or ``input_size`` is not
            a tuple of sizes.
        ValueError: ``module`` has parameters whose shapes are not known yet (a
            lazy module before its first forward pass), or the forward pass on the
            input fails.
    """
    if not is_torch_module(module):
        raise TypeError(f"module must be a torch.nn.Module, got {describe(module)}")
    torch = sys.modules["torch"]
    lazy = [
        name
        for name, parameter in module.named_parameters()
        if isinstance(parameter, torch.nn.parameter.UninitializedParameter)
    ]
    if lazy:
        raise ValueError(
            f"module must have every parameter's shape, but {', '.join(lazy)} are "
            "uninitialized (a lazy module): run one forward pass with an input first"
        )
    name = type(module).__name__
    given = input_size is not None or input_data is not None
    found = shapes.forward_shapes(module, input_size, input_data) if given else shapes.Pass()
    node = LiveModule(module, name, shapes=found.outputs, calls=found.calls)
    derived = registry.RULES.derive(node.spec) is not None
    if derived or node.members() is None:
        rows, notes, unshown = walk_layer(node, registry.RULES)
    else:
        rows, notes, unshown = walk_members(node, registry.RULES)
    total = sum(parameter.numel() for parameter in module.parameters())
    return ModelReport(
        model=name,
        rows=tuple(rows),
        total_params=int(total),
        framework="PyTorch",
        notes=tuple(notes),
        separator=".",
        total_buffer_size=int(sum(buffer.numel() for buffer in module.buffers())),
        input=shapes.describe_input(input_size, input_data) if given else None,
        unshown=unshown,
        optimizer=None if optimizer is None else optimizers.optimizer_row(optimizer, rows),
    )


def explain_state_dict(
    state_dict: Mapping[str, Any], *, name: str = "state_dict", source: str | None = None
) -> ModelReport:
    """Explain a PyTorch ``state_dict`` from its names and shapes alone.

    Each module's class and constructor arguments are recognised from its tensors'
    names and shapes (``weight_ih_l0``, ``weight_hr_l0``, ``running_mean`` ...) and
    shown as the constructor call, such as ``LSTM(32, 64, bidirectional=True)``;
    its count is then derived by the rule a live module of that class is explained
    by. A module whose tensors fit no class lstmdoc knows is listed with them,
    counted from their shapes.

    Args:
        state_dict: tensor names to tensors (``model.state_dict()``), or to anything
            with a ``shape``, or to shapes as tuples of ints.
        name: the model's name in the report.
        source: the file it was read from, if any.

    Raises:
        TypeError: ``state_dict`` is not a mapping of names to tensors or shapes.
        ValueError: a name is malformed.
    """
    shapes = _shapes(state_dict)
    integers = {
        key
        for key, value in state_dict.items()
        if callable(getattr(value, "is_floating_point", None))
        and not (value.is_floating_point() or value.is_complex())
    }
    dtypes = {
        key: str(value.dtype).removeprefix("torch.")
        for key, value in state_dict.items()
        if hasattr(value, "dtype")
    }
    return _explain_shapes(
        shapes, state_dicts.tied_keys(state_dict), name, source, integers, dtypes
    )


def _explain_shapes(
    shapes: Mapping[str, tuple[int, ...]],
    tied: Mapping[str, str],
    name: str,
    source: str | None,
    integers: set[str] | frozenset[str] = frozenset(),
    dtypes: Mapping[str, str] | None = None,
) -> ModelReport:
    notes: list[str] = []
    root = state_dicts.StoredModule(state_dicts.group(shapes, tied, integers, dtypes), notes, "")
    if root.recognised:
        rows, walked, _unshown = walk_layer(root, _STORED_RULES)  # no input: no mult-adds
    else:
        rows, walked, _unshown = walk_members(root, _STORED_RULES)
    parameters, buffers = root.framework_tensors()
    notes = [
        *notes,
        *walked,
        (
            "Read from a state_dict: each class and its arguments are recognised from the "
            "names and shapes of its tensors, then its count derived as for a live module."
        ),
        "A state_dict does not record requires_grad: every parameter is shown as trainable.",
    ]
    return ModelReport(
        model=name,
        rows=tuple(rows),
        total_params=sum(size for _, size in parameters),
        framework="PyTorch",
        source=source,
        notes=tuple(dict.fromkeys(notes)),
        separator=".",
        total_buffer_size=sum(size for _, size in buffers),
    )


def explain_checkpoint(path: Path) -> ModelReport:
    """Explain the ``state_dict`` in a PyTorch or safetensors file, or a ``save_pretrained`` folder.

    A ``torch.save`` file is read with ``torch.load(path, weights_only=True)``, which
    builds tensors and plain containers only: a whole model saved with
    ``torch.save(model)``, or anything else that would run code, is refused. The
    ``state_dict`` may be the file's top level or sit under one of
    :data:`~lstmdoc.pytorch.checkpoints.NESTED_KEYS`. A safetensors file is read
    from its header alone (:mod:`lstmdoc.pytorch.safetensors`). See
    :func:`explain_state_dict` for how the modules are recognised.

    Raises:
        ImportError: a ``torch.save`` file, and PyTorch is not installed.
        ValueError: see :func:`lstmdoc.pytorch.pretrained.read`.
    """
    read = pretrained.read(path)
    report = _explain_shapes(
        read.shapes, read.tied, read.name, str(path), read.integers, read.dtypes
    )
    found = (
        ()
        if read.key is None
        else (f"The state_dict was read from the checkpoint's {read.key!r} entry.",)
    )
    return dataclasses.replace(report, notes=(*found, *read.notes, *report.notes))


def _shapes(state_dict: Any) -> dict[str, tuple[int, ...]]:
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            "state_dict must be a mapping of tensor names to tensors or shapes, "
            f"such as model.state_dict(), got {describe(state_dict)}"
        )
    shapes = {}
    for key, value in state_dict.items():
        if not isinstance(key, str) or not key or "" in key.split("."):
            raise ValueError(
                f"state_dict keys must be dotted names such as 'lstm.weight_ih_l0', got {key!r}"
            )
        shape = getattr(value, "shape", value)
        if not isinstance(shape, Sequence) or isinstance(shape, str):
            raise TypeError(
                f"state_dict[{key!r}] must be a tensor or a shape, got {describe(value)}"
            )
        shapes[key] = tuple(
            size(f"state_dict[{key!r}]'s size", length, minimum=0) for length in shape
        )
    return shapes
