"""PyTorch's rules: one per ``torch.nn`` class that creates parameters, read off its ``__init__``.

Given a module's constructor arguments, as the attributes the module keeps, a rule
returns the parameters it creates, by PyTorch's names and shapes, the buffers it
keeps beside them, and the formula of the count; a rule never reads a tensor, its
``numel()`` or a count. The rules live by module family, as PyTorch keeps its
modules (``torch/nn/modules/linear.py``, ``conv.py``, ``rnn.py`` ...):
:mod:`~lstmdoc.pytorch.linear`, :mod:`~lstmdoc.pytorch.sparse`,
:mod:`~lstmdoc.pytorch.conv`, :mod:`~lstmdoc.pytorch.normalization`,
:mod:`~lstmdoc.pytorch.batchnorm`, :mod:`~lstmdoc.pytorch.activation` and
:mod:`~lstmdoc.pytorch.rnn`; this module gathers them into :data:`MODULE_RULES`, and
:data:`RULES`, what the walk of :mod:`lstmdoc.report.walk` reads. Some classes of
transformers and timm have rules in :mod:`~lstmdoc.pytorch.third_party`. The quantized
classes of ``torch.ao.nn.quantized``, which share ``torch.nn``'s class names, have
rules of their own in :mod:`~lstmdoc.pytorch.quantized`: :func:`rule_of` finds a
class's rule by where PyTorch keeps it.

A live module gives its spec (:mod:`lstmdoc.pytorch.live` reads each attribute in
``TorchRule.reads``), and so does a saved ``state_dict`` (whose names and shapes give
the arguments back, :mod:`lstmdoc.pytorch.state_dicts`), so both are explained by
these same rules. Containers (``Sequential``, ``TransformerEncoderLayer`` ...) have
no rule: they are explained through the modules they hold. Nothing here imports
PyTorch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from lstmdoc.pytorch import (
    activation,
    batchnorm,
    conv,
    costs,
    linear,
    normalization,
    quantized,
    rnn,
    sparse,
)
from lstmdoc.pytorch.rule import Recogniser, Shape, TorchRule
from lstmdoc.pytorch.third_party import THIRD_PARTY_RULES
from lstmdoc.report.rules import Derivation, NoFormula, Rules, Spec

__all__ = [
    "CONTAINERS",
    "MODULE_RULES",
    "NOT_RECOGNISED",
    "RECOGNISERS",
    "RULES",
    "base_class",
    "derive",
    "display_name",
    "is_builtin",
    "is_model",
    "rule_of",
    "tensors_of",
]

MODULE_RULES: dict[str, TorchRule] = {
    **linear.MODULE_RULES,
    **sparse.MODULE_RULES,
    **conv.MODULE_RULES,
    **normalization.MODULE_RULES,
    **batchnorm.MODULE_RULES,
    **activation.MODULE_RULES,
    **rnn.MODULE_RULES,
}
"""The rule for each PyTorch class that creates parameters, by its class name."""

NOT_RECOGNISED = {
    "NonDynamicallyQuantizableLinear": "a Linear's tensors: recognised as Linear",
    "Bilinear": "not recognised yet",
    "EmbeddingBag": "an Embedding's tensors: recognised as Embedding",
    **{
        name: "a BatchNorm's tensors: recognised as BatchNorm*d"
        for name in batchnorm.MODULE_RULES
        if name != "BatchNorm1d"
    },
    "PReLU": "not recognised yet",
}
"""Why a class with a rule has no ``state_dict`` recogniser: its tensors are another
class's too, or no recogniser has been written yet. A test holds every rule to
having one or the other."""

RECOGNISERS: tuple[Recogniser, ...] = tuple(
    dict.fromkeys(rule.recognise for rule in MODULE_RULES.values() if rule.recognise is not None)
)
"""Every recogniser, each once, in the order of :data:`MODULE_RULES`."""

CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"})
"""PyTorch's containers: the modules, or parameters, they hold are explained one by one."""


# Where PyTorch keeps the classes with rules, and their rules; elsewhere, such as the
# parametrizations of torch.nn.utils, modules are explained like a user's.
_NAMESPACES: tuple[tuple[str, Mapping[str, TorchRule]], ...] = (
    ("torch.nn.modules.", MODULE_RULES),
    ("torch.ao.nn.quantized.dynamic.modules.", quantized.DYNAMIC_RULES),
    ("torch.ao.nn.quantized.modules.", quantized.STATIC_RULES),
)


def is_builtin(spec: Spec) -> bool:
    """Whether the spec names one of ``torch.nn``'s classes, or a quantized class with a rule.

    Not a user's class of that name; other quantized classes (a quantized batch norm) are
    explained like a user's, through their parameters and buffers.
    """
    module = spec.module or ""
    return module.startswith("torch.nn.modules.") or rule_of(spec) is not None


def rule_of(spec: Spec) -> TorchRule | None:
    """The rule of the spec's class, by its name where PyTorch keeps it, if it has one.

    ``torch.nn``'s rules are in :data:`MODULE_RULES`; the quantized classes, of the same
    names (``Linear``, ``LSTM`` ...), in :mod:`lstmdoc.pytorch.quantized`.
    """
    rules = _rules_of(spec)
    if rules is None:
        return THIRD_PARTY_RULES.get(f"{spec.module}.{spec.class_name}")
    return rules.get(spec.class_name)


def display_name(spec: Spec) -> str:
    """The class as PyTorch prints it: a quantized ``LSTM`` is ``DynamicQuantizedLSTM``."""
    rules = _rules_of(spec)
    if rules is MODULE_RULES or spec.class_name not in (rules or {}):
        return spec.class_name
    return quantized.display_name(spec.class_name, dynamic=rules is quantized.DYNAMIC_RULES)


def _rules_of(spec: Spec) -> Mapping[str, TorchRule] | None:
    module = spec.module
    if not isinstance(module, str):
        return None
    return next((rules for name, rules in _NAMESPACES if module.startswith(name)), None)


def derive(spec: Spec) -> Derivation | NoFormula | None:
    """Derive a module's parameters and buffers from its spec.

    Returns:
        A :class:`~lstmdoc.report.rules.Derivation`; a :class:`~lstmdoc.report.rules.NoFormula`
        for a built-in class whose attributes do not fit its rule; ``None`` for a
        class without a rule (a container, a custom module, or a built-in lstmdoc
        has no formula for).
    """
    rule = rule_of(spec)
    if rule is None:
        return None
    missing = [key for key in rule.keys if key not in spec.config]
    if missing:
        return NoFormula(f"its attributes {', '.join(missing)} were not read")
    try:
        derivation = rule.derive(spec.config)
    except (ArithmeticError, KeyError, TypeError, ValueError) as error:
        return NoFormula(f"its attributes are not ones lstmdoc understands ({error})")
    # requires_grad is no constructor argument: the live module says which are frozen.
    if spec.frozen:
        trained = tuple(replace(w, trainable=w.name not in spec.frozen) for w in derivation.weights)
        derivation = replace(derivation, weights=trained)
    # What it computed, where it ran on an input the caller gave.
    return costs.with_cost(spec, derivation)


def base_class(cls: type) -> type | None:
    """The first of ``cls`` and its bases that is a ``torch.nn`` class with a rule, if any.

    A user's ``class MyConv(nn.Conv2d)`` is a ``Conv2d`` with whatever it adds.
    """
    for base in cls.__mro__:
        if rule_of(Spec(class_name=base.__name__, module=base.__module__)) is not None:
            return base
    return None


def is_model(spec: Spec) -> bool:
    """Whether the spec is one of PyTorch's containers (``Sequential``, ``ModuleList``...)."""
    return (
        spec.module is not None
        and spec.module.startswith("torch.nn.modules.")
        and (spec.class_name in CONTAINERS)
    )


def tensors_of(spec: Spec) -> dict[str, Shape] | None:
    """Every tensor a module's rule creates, parameters and buffers, by ``state_dict`` name.

    The tensors of the modules it builds (a ``MultiheadAttention``'s ``out_proj``)
    are included, prefixed with their names; ``None`` if the spec has no rule.
    """
    derivation = derive(spec)
    if not isinstance(derivation, Derivation):
        return None
    tensors = {w.name: w.shape for w in (*derivation.weights, *derivation.buffers)}
    for child in derivation.children:
        inner = tensors_of(child)
        if inner is None:
            return None
        tensors |= {f"{child.name}.{key}": shape for key, shape in inner.items()}
    return tensors


RULES = Rules(
    framework="PyTorch",
    derive=derive,
    is_model=is_model,
    separator=".",
    declared="nn.Parameter",
    declared_as="a custom module's own nn.Parameter",
    buffers=True,
    kind="module",
    # torch.nn's classes without a rule are activations, dropouts, poolings, reshapes.
    computes_nothing=lambda spec: (spec.module or "").startswith("torch.nn.modules."),
)
"""PyTorch's rules, as :mod:`lstmdoc.report.walk` walks a live module with them."""
