"""What a PyTorch rule is: the attributes it reads, what it derives, and how a state_dict shows it.

A module is described by a :class:`~lstmdoc.report.rules.Spec` whose config holds its
constructor arguments, as the attributes the module keeps (``in_features``,
``hidden_size``, ``kernel_size``, ``groups`` ...). PyTorch keeps no ``bias`` argument
for most modules, only a ``bias`` parameter that is ``None`` when the argument was
``False``: a read such as ``"bias?"`` asks whether the attribute is set, never how
big it is.

A rule that PyTorch's ``state_dict`` can show also says how to recognise the class
in one (:attr:`TorchRule.recognise`): given a module's tensors, by name and shape,
and the names of the modules beneath it, it returns the class's arguments read
back from them, or ``None``. :mod:`lstmdoc.pytorch.state_dicts` then keeps only a
class whose rule, given those arguments, creates exactly the tensors stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lstmdoc import _checks
from lstmdoc.counting import ParamBreakdown
from lstmdoc.counting.breakdowns import Weight
from lstmdoc.report.rules import Derivation

__all__ = [
    "Config",
    "Found",
    "Recogniser",
    "Shape",
    "TorchRule",
    "derivation",
    "flag",
    "options",
    "size",
    "sizes",
    "weights",
]

Config = Mapping[str, Any]
Shape = tuple[int, ...]


@dataclass(frozen=True)
class Found:
    """A class recognised in a ``state_dict``: its arguments, and how to show them.

    Attributes:
        class_name: the class, such as ``"LSTM"``.
        module: its file in ``torch.nn.modules``, such as ``"rnn"``.
        config: its arguments, as its rule reads them.
        call: the constructor call read back, such as ``LSTM(1, 20, bidirectional=True)``.
        note: what a ``state_dict`` cannot say about it, if anything.
        prefer: where several classes fit the same tensors (a lone weight matrix is
            an ``Embedding`` or a ``Linear`` without bias), a regular expression of the
            module names this reading is preferred for, such as ``embed``.
    """

    class_name: str
    module: str
    config: dict[str, Any]
    call: str
    note: str | None = None
    prefer: str | None = None


Recogniser = Callable[[Mapping[str, Shape], frozenset[str]], "Found | None"]
"""A module's tensors (name to shape) and the names of the modules beneath it, to a class."""


@dataclass(frozen=True)
class TorchRule:
    """What one PyTorch class creates, and which of its attributes say so.

    Attributes:
        reads: the module attributes the rule needs, by PyTorch's names;
            ``"bias?"`` reads whether ``module.bias`` is set (not ``None``).
        derive: the rule: the attributes, by name without ``?``, to a derivation.
        source: where PyTorch creates the parameters, such as
            ``torch/nn/modules/linear.py, Linear.__init__``.
        recognise: how to find the class in a ``state_dict``, or ``None`` where its
            tensors are another class's too (say why in
            :data:`lstmdoc.pytorch.registry.NOT_RECOGNISED`).
    """

    reads: tuple[str, ...]
    derive: Callable[[Config], Derivation]
    source: str
    recognise: Recogniser | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """The config keys the rule reads: its attributes' names, without ``?``."""
        return tuple(read.rstrip("?") for read in self.reads)


def weights(*named: tuple[str, Shape]) -> tuple[Weight, ...]:
    """Trainable weights by name and shape."""
    return tuple(Weight(name, shape, True) for name, shape in named)


def derivation(counted: ParamBreakdown) -> Derivation:
    """A family's breakdown as a rule's derivation: its weights, buffers and formula."""
    return Derivation(
        counted.weights, counted.substituted, buffers=counted.buffers, legend=counted.formula
    )


def flag(config: Config, key: str) -> bool:
    """A flag attribute: True or False, else ``TypeError``."""
    return _checks.flag(key, config[key])


def size(config: Config, key: str, *, minimum: int = 0) -> int:
    """A size attribute, by PyTorch's name for it."""
    return _checks.size(key, config[key], minimum=minimum)


def sizes(config: Config, key: str) -> tuple[int, ...]:
    """A size, or a tuple of sizes (a kernel's window), as a tuple."""
    return _checks.sizes(key, config[key])


def options(*pairs: tuple[str, Any, Any]) -> str:
    """``, name=value`` for each argument that is not its default, for a constructor call."""
    return "".join(f", {name}={value!r}" for name, value, default in pairs if value != default)
