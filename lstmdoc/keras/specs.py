"""What every Keras rule reads: a layer's spec, the shapes it was built on, and its options.

A layer is described by the dictionary Keras serializes it to::

    {"class_name": "LSTM", "module": "keras.layers", "config": {...},
     "build_config": {"input_shape": [None, 20, 1]}}

:func:`spec_of` turns one into a :class:`~lstmdoc.report.rules.Spec`, checking it as
it goes, whether it comes from a live layer's ``get_config()`` or a file's
``config.json``. A rule is a function of the layer's configuration and its
:class:`Shapes` that returns a :class:`~lstmdoc.report.rules.Derivation`; :func:`apply`
runs one, and turns whatever a malformed configuration raises into a
:class:`~lstmdoc.report.rules.NoFormula` that says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lstmdoc._checks import describe
from lstmdoc.counting.breakdowns import Weight
from lstmdoc.report.rules import Derivation, NoFormula, Spec

__all__ = [
    "NotBuilt",
    "Rule",
    "Shape",
    "Shapes",
    "apply",
    "ints",
    "keras_own",
    "lora_rank",
    "quantization",
    "shape",
    "spec_of",
    "sublayer",
    "with_lora",
]

Shape = tuple[Any, ...]


@dataclass(frozen=True)
class Shapes:
    """The shapes a layer was built on, from its ``build_config``."""

    named: dict[str, Any] = field(default_factory=dict)
    recorded: bool = True

    @property
    def first(self) -> Shape:
        """The first (for most layers, the only) input shape."""
        self._check()
        return shape(next(iter(self.named.values())))

    def get(self, key: str) -> Shape | None:
        """The shape recorded as ``key`` (such as ``"query_shape"``), or ``None``."""
        self._check()
        value = self.named.get(key)
        return None if value is None else shape(value)

    def _check(self) -> None:
        if not self.recorded:
            raise NotBuilt


class NotBuilt(Exception):
    """Raised by :class:`Shapes` of a layer never built, when its rule reads a shape."""


Rule = Callable[[Mapping[str, Any], Shapes], "Derivation | NoFormula"]
"""A Keras class's rule: its configuration and input shapes to what it creates."""


def spec_of(value: Any) -> Spec:
    """A layer as Keras serializes it, checked, as a :class:`~lstmdoc.report.rules.Spec`.

    Raises:
        ValueError: ``value`` is not a serialized layer (a dictionary with a class name).
    """
    if not isinstance(value, Mapping):
        raise ValueError(f"a layer in the configuration is not a dictionary: {describe(value)}")  # noqa: TRY004
    name = value.get("class_name")
    if not isinstance(name, str):
        raise ValueError(f"a layer in the configuration has no class name: {describe(value)}")  # noqa: TRY004  (a malformed file is a bad value)
    config = value.get("config")
    build = value.get("build_config")
    module, registered = value.get("module"), value.get("registered_name")
    return Spec(
        class_name=name,
        module=module if isinstance(module, str) else None,
        config=config if isinstance(config, Mapping) else {},
        build_config=build if isinstance(build, Mapping) else None,
        registered_name=registered if isinstance(registered, str) else None,
        config_error=None
        if isinstance(config, Mapping)
        else f"its configuration is not a dictionary: {describe(config)}",
    )


def keras_own(module: Any, registered_name: Any, class_name: str) -> bool:
    """Whether a class is one of Keras' own, not a user's class of the same name.

    Keras' classes live in ``keras`` modules, and a registered custom class records
    a ``registered_name`` of its own, such as ``"my_package>Scale"``.
    """
    return (
        isinstance(module, str)
        and (module == "keras" or module.startswith("keras."))
        and registered_name in (None, class_name)
    )


def apply(rule: Rule, spec: Spec) -> Derivation | NoFormula:
    """Run a rule on a spec's config and shapes, or say why it cannot run."""
    build = spec.build_config
    named: Any = {}
    if build is not None:
        named = build.get("shapes_dict") or {"input_shape": build.get("input_shape")}
    recorded = bool(named) and isinstance(named, Mapping) and None not in named.values()
    try:
        # A rule that reads no shape (a Normalization given its mean) needs no build.
        return rule(spec.config, Shapes(dict(named) if recorded else {}, recorded))
    except NotBuilt:
        return NoFormula("its input shape is not recorded (the layer was never built)")
    except (ArithmeticError, AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
        return NoFormula(f"its configuration is not one lstmdoc understands ({error!r})")


def shape(value: Any) -> Shape:
    """A shape from a configuration: a list or tuple, else ``TypeError``."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"a shape must be a list, got {describe(value)}")
    return tuple(value)


def ints(values: Any) -> tuple[int, ...]:
    """Sizes from a configuration, as ints."""
    return tuple(int(value) for value in values)


def sublayer(value: Any, input_shape: Shape) -> Spec:
    """A wrapped layer's spec, built on ``input_shape`` as its wrapper builds it."""
    if isinstance(value, Spec):
        return value.built_on(input_shape)
    if not isinstance(value, Mapping):
        raise TypeError(f"a sublayer must be a serialized layer, got {describe(value)}")
    return spec_of(value).built_on(input_shape)


def lora_rank(config: Mapping[str, Any]) -> int:
    """The LoRA rank of a layer (``lora_rank``), 0 without LoRA."""
    return int(config.get("lora_rank") or 0)


def with_lora(
    weights: Sequence[Weight],
    formula: str,
    rank: int,
    name: str,
    rows: int,
    columns: int,
    legend: str | None = None,
) -> Derivation:
    """Add LoRA's two low-rank factors, ``name_a (rows, rank)`` and ``name_b (rank, columns)``.

    With LoRA on (``rank`` > 0) the factors train and the full matrix is frozen.
    """
    if rank:
        weights = [
            *weights,
            Weight(f"{name}_a", (rows, rank), True),
            Weight(f"{name}_b", (rank, columns), True),
        ]
        formula += f" + {rank} × ({rows} + {columns})"
        legend = None if legend is None else f"{legend} + rank × (rows + columns) (LoRA)"
    return Derivation(tuple(weights), formula, legend=legend)


def quantization(config: Mapping[str, Any]) -> str | None:
    """The quantization mode of a layer, such as ``"int8"`` or ``"int4/128"``, or ``None``.

    A quantized layer's dtype policy says so: a ``QuantizedDTypePolicy`` (or another
    policy with a ``mode``) in its config, or a policy name such as ``"int8_from_float32"``.
    A ``DTypePolicyMap`` that holds a quantized policy gives ``"DTypePolicyMap"``: its
    policies are keyed by layer paths, which a layer's config does not hold.
    """
    policy = config.get("dtype")
    if isinstance(policy, Mapping) and policy.get("class_name") == "DTypePolicyMap":
        inner = policy.get("config")
        held = inner.get("policy_map") if isinstance(inner, Mapping) else None
        held = held.get("config", held) if isinstance(held, Mapping) else {}
        policies = held.values() if isinstance(held, Mapping) else ()
        quantized = any(isinstance(p, Mapping) and quantization({"dtype": p}) for p in policies)
        return "DTypePolicyMap" if quantized else None
    if isinstance(policy, Mapping):
        inner = policy.get("config")
        inner = inner if isinstance(inner, Mapping) else {}
        if inner.get("mode"):
            return str(inner["mode"])
        policy = inner.get("name")
    if isinstance(policy, str) and "_from_" in policy:
        return policy.split("_from_")[0]
    return None
