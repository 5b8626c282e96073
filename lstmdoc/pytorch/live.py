"""A live ``torch.nn.Module`` as the walk sees it: its spec from its attributes, its count from PyTorch.

Each module's spec holds the attributes its rule reads (``TorchRule.reads``), never
a tensor; PyTorch's own count, ``sum(p.numel() for p in module.parameters())``,
stands beside it. PyTorch is never imported here: the module has imported it.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.pytorch import registry
from lstmdoc.pytorch.shapes import Call
from lstmdoc.report.rules import Derivation, LayerNode, Spec

__all__ = ["LiveModule"]


class LiveModule:
    """A live ``torch.nn.Module``: its spec from its attributes, its count from PyTorch."""

    def __init__(
        self,
        module: Any,
        name: str,
        spec: Spec | None = None,
        shapes: Mapping[int, tuple[int, ...]] | None = None,
        calls: Mapping[int, Sequence[Call]] | None = None,
    ) -> None:
        self._module = module
        self._name = name
        self._shapes = shapes or {}
        self._calls = calls or {}
        spec = spec if spec is not None else _spec(module, name)
        ran = self._calls.get(id(module))
        if ran and spec.build_config is None:  # what its mult-adds are derived from
            built = {"calls": tuple(ran), "batch_first": getattr(module, "batch_first", None)}
            spec = replace(spec, build_config=built)
        self._spec = spec

    @property
    def spec(self) -> Spec:
        return self._spec

    @property
    def key(self) -> int:
        return id(self._module)  # one module held by two parents is one module

    def weight_key(self, name: str) -> int | None:
        own = dict(self._module.named_parameters(recurse=False))
        own.update(self._module.named_buffers(recurse=False))
        return id(own[name]) if name in own else None

    def weight_dtype(self, name: str) -> str | None:
        own = dict(self._module.named_parameters(recurse=False))
        own.update(self._module.named_buffers(recurse=False))
        return _dtype(own[name]) if name in own else None

    def framework_tensors(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        # PyTorch's parameters() and buffers() yield each tensor once, however often held.
        return (
            [(id(parameter), int(parameter.numel())) for parameter in self._module.parameters()],
            [(id(buffer), int(buffer.numel())) for buffer in self._module.buffers()],
        )

    def framework_params(self) -> int:
        return int(sum(parameter.numel() for parameter in self._module.parameters()))

    def framework_buffers(self) -> int:
        return int(sum(buffer.numel() for buffer in self._module.buffers()))

    def sublayer(self, spec: Spec) -> LayerNode:
        child = dict(self._module.named_children())[spec.name]
        spec = replace(spec, frozen=_frozen(child))
        return LiveModule(child, spec.name, spec, self._shapes, self._calls)

    def members(self) -> Sequence[LayerNode] | None:
        children = list(self._module.named_children())
        own = list(self._module.named_parameters(recurse=False))
        if not children and own and registry.is_builtin(self.spec):
            return None  # a built-in class with parameters that lstmdoc has no rule for
        return [
            LiveModule(child, name, shapes=self._shapes, calls=self._calls)
            for name, child in children
        ]

    def declared_weights(self) -> Sequence[Weight]:
        return [
            Weight(
                name,
                tuple(parameter.shape),
                bool(parameter.requires_grad),
                dtype=_dtype(parameter),
            )
            for name, parameter in self._module.named_parameters(recurse=False)
        ]

    def declared_buffers(self) -> Sequence[Weight]:
        return [
            Weight(name, tuple(buffer.shape), False, dtype=_dtype(buffer))
            for name, buffer in self._module.named_buffers(recurse=False)
        ]

    def added(self, derivation: Derivation) -> tuple[Sequence[Weight], Sequence[LayerNode]]:
        # A subclass's own parameters beyond its base class's, and the modules it holds
        # that its base class does not build (timm's BatchNormAct2d: its activation).
        named = {weight.name for weight in (*derivation.weights, *derivation.buffers)}
        built = {child.name for child in derivation.children}
        return (
            [weight for weight in self.declared_weights() if weight.name not in named],
            [member for member in self.members() or () if member.spec.name not in built],
        )

    def unknown_reason(self) -> str:
        return f"lstmdoc has no formula for torch.nn.{type(self._module).__name__}"

    def output_shape(self) -> tuple[int, ...] | None:
        """The shape the module returned in the forward pass on the input given, if any."""
        return self._shapes.get(id(self._module))


def _dtype(tensor: Any) -> str:
    """A tensor's dtype by the name NumPy and Keras share: ``torch.float32`` is ``float32``."""
    return str(tensor.dtype).removeprefix("torch.")


def _spec(module: Any, name: str) -> Spec:
    """The spec of a live module: its class, and the attributes its rule reads.

    A subclass of a ``torch.nn`` class, such as timm's ``BatchNormAct2d``, is derived
    by its base class's rule, and shown as both: ``BatchNormAct2d (BatchNorm2d)``. A
    quantized class is shown as PyTorch prints it: ``DynamicQuantizedLSTM``.
    """
    cls = type(module)
    # A parametrized module (weight_norm, spectral_norm ...) computes its weight from the
    # parameters of its parametrizations: it is explained through them, not its base rule.
    parametrized = getattr(module, "parametrizations", None) is not None
    base = None if parametrized else registry.base_class(cls)
    spec = Spec(
        class_name=(base or cls).__name__,
        module=(base or cls).__module__,
        frozen=_frozen(module),
        subclass=base is not None and base is not cls,
    )
    shown = registry.display_name(spec)  # a quantized class as PyTorch prints it
    label = f"{cls.__name__} ({shown})" if spec.subclass else shown
    config: dict[str, Any] = {"name": name}
    rule = registry.rule_of(spec)
    for read in rule.reads if rule is not None else ():
        attribute = read.rstrip("?")
        value = _attribute(module, attribute)
        if value is _MISSING:
            continue  # the rule says which attribute was not read
        if read.endswith("?"):
            # A quantized module's bias() unpacks its packed bias: whether it has one.
            value = value() if inspect.ismethod(value) else value
            config[attribute] = value is not None
        else:
            config[attribute] = _plain(value)
    return replace(spec, config=config, label=None if label == spec.class_name else label)


_MISSING = object()


def _attribute(module: Any, path: str) -> Any:
    """The attribute ``path`` of a module, such as ``_packed_params.dtype``, or ``_MISSING``."""
    value = module
    for name in path.split("."):
        value = getattr(value, name, _MISSING)
        if value is _MISSING:
            break
    return value


def _frozen(module: Any) -> frozenset[str]:
    return frozenset(
        name
        for name, parameter in module.named_parameters(recurse=False)
        if not parameter.requires_grad
    )


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
