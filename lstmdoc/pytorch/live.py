"""A live ``torch.nn.Module`` as the walk sees it: its spec from its attributes, its count from PyTorch.

Each module's spec holds the attributes its rule reads (``TorchRule.reads``), never
a tensor; PyTorch's own count, ``sum(p.numel() for p in module.parameters())``,
stands beside it. PyTorch is never imported here: the module has imported it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.pytorch import registry
from lstmdoc.report.walk import LayerNode, Spec

__all__ = ["LiveModule"]


class LiveModule:
    """A live ``torch.nn.Module``: its spec from its attributes, its count from PyTorch."""

    def __init__(self, module: Any, name: str, seen: set[int], spec: Spec | None = None) -> None:
        self._module = module
        self._name = name
        self._seen = seen  # modules already explained: a shared module counts once
        self._spec = spec if spec is not None else _spec(module, name)
        self._members: list[LayerNode] | None = None

    @property
    def spec(self) -> Spec:
        return self._spec

    def framework_params(self) -> int:
        return int(sum(parameter.numel() for parameter in self._module.parameters()))

    def framework_buffers(self) -> int:
        return int(sum(buffer.numel() for buffer in self._module.buffers()))

    def sublayer(self, spec: Spec) -> LayerNode:
        child = dict(self._module.named_children())[spec.name]
        self._seen.add(id(child))
        return LiveModule(child, spec.name, self._seen, replace(spec, frozen=_frozen(child)))

    def members(self) -> Sequence[LayerNode] | None:
        children = list(self._module.named_children())
        own = list(self._module.named_parameters(recurse=False))
        if not children and own and registry.is_builtin(self.spec):
            return None  # a built-in class with parameters that lstmdoc has no rule for
        if self._members is None:
            self._members = []
            for name, child in children:
                if id(child) not in self._seen:
                    self._seen.add(id(child))
                    self._members.append(LiveModule(child, name, self._seen))
        return self._members

    def declared_weights(self) -> Sequence[Weight]:
        return [
            Weight(name, tuple(parameter.shape), bool(parameter.requires_grad))
            for name, parameter in self._module.named_parameters(recurse=False)
        ]

    def declared_buffers(self) -> Sequence[Weight]:
        return [
            Weight(name, tuple(buffer.shape), False)
            for name, buffer in self._module.named_buffers(recurse=False)
        ]

    def unknown_reason(self) -> str:
        return f"lstmdoc has no formula for torch.nn.{type(self._module).__name__}"


def _spec(module: Any, name: str) -> Spec:
    """The spec of a live module: its class, and the attributes its rule reads."""
    cls = type(module)
    spec = Spec(class_name=cls.__name__, module=cls.__module__, frozen=_frozen(module))
    config: dict[str, Any] = {"name": name}
    rule = registry.MODULE_RULES.get(cls.__name__)
    if rule is not None and registry.is_builtin(spec):
        for read in rule.reads:
            attribute = read.rstrip("?")
            if not hasattr(module, attribute):
                continue  # the rule says which attribute was not read
            value = getattr(module, attribute)
            config[attribute] = value is not None if read.endswith("?") else _plain(value)
    return replace(spec, config=config)


def _frozen(module: Any) -> frozenset[str]:
    return frozenset(
        name
        for name, parameter in module.named_parameters(recurse=False)
        if not parameter.requires_grad
    )


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
