"""What a framework's rules give the walk: layer specs, derivations, and the nodes it walks.

A framework is a :class:`Rules`: how to derive a layer's weights from its
:class:`Spec` (a :class:`Derivation`, or a :class:`NoFormula` that says why not),
and what it calls things. A derivation may also say what the layer computes, for
the input it was built on or ran on: a :class:`Cost`, its multiply-adds. A
:class:`LayerNode` is one layer as the walk of :mod:`lstmdoc.report.walk` sees it,
whichever framework and whether live or saved.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.report.sharing import Tensors

__all__ = ["Cost", "Derivation", "LayerNode", "NoFormula", "Rules", "Spec"]


@dataclass(frozen=True)
class Spec:
    """A layer as the rules read it: its class, where the class comes from, its configuration.

    A Keras layer's spec is what Keras serializes it to (``class_name``, ``module``,
    ``config`` and ``build_config``); a PyTorch module's holds, as its config, the
    constructor arguments its rule reads.

    Attributes:
        class_name: the class, such as ``"LSTM"``.
        module: the module the class is defined in, such as ``"keras.layers"``, or
            ``None`` where not known; a user's class has a module of its own.
        config: the configuration, or constructor arguments, by the framework's names.
        build_config: for Keras, the input shapes the layer was built on; for a
            PyTorch module, the shapes it was called with and returned in a forward
            pass on an input the caller gave (:mod:`lstmdoc.pytorch.shapes`), if any.
        registered_name: for Keras, the name a custom class is registered under.
        label: the class as shown, where it is not the class name (a state_dict's
            class, read back as its constructor call, such as ``LSTM(1, 20)``).
        frozen: the names of the weights the framework will not train, where
            the configuration does not say (PyTorch's ``requires_grad=False``).
        config_error: why the configuration could not be read, if it could not.
        subclass: whether the layer is a subclass of ``class_name``, derived by its
            rule: what the subclass adds is shown beneath it.
    """

    class_name: str
    module: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    build_config: Mapping[str, Any] | None = None
    registered_name: str | None = None
    label: str | None = None
    frozen: frozenset[str] = frozenset()
    config_error: str | None = None
    subclass: bool = False

    @property
    def name(self) -> str:
        """The layer's name, from its configuration, else its class."""
        return str(self.config.get("name") or self.class_name)

    def built_on(self, input_shape: Sequence[Any]) -> Spec:
        """This spec, built on ``input_shape`` (as a wrapper builds what it wraps)."""
        return replace(self, build_config={"input_shape": list(input_shape)})


@dataclass(frozen=True)
class Cost:
    """What a layer computes: the multiply-adds of its matrix products and convolutions.

    One multiply-add is one product added to a sum, as in each output of ``x @ W``;
    elementwise work (activations, bias additions, the gates' products) is not
    counted. This is the convention of PyTorch's ``torch.utils.flop_counter``,
    whose ``FlopCounterMode`` counts two FLOPs for each multiply-add.

    Attributes:
        mult_adds: the multiply-adds.
        formula: the same with this layer's numbers, such as ``20 × 4 × 20 × (1 + 20)``.
        per: what the figure is for where the input's shape left a size open: such
            as ``"time step"`` for a Keras layer built on ``(None, None, 8)``;
            ``None`` where it is for the whole input (one sample, for a Keras layer).
    """

    mult_adds: int
    formula: str
    per: str | None = None


@dataclass(frozen=True)
class Derivation:
    """What a layer creates: its own weights, and the layers it builds inside itself.

    Attributes:
        weights: the weights (parameters) the layer creates itself.
        formula: the count of ``weights`` with this layer's numbers, for a layer
            that builds no others.
        children: the specs of the layers it builds, each explained beneath it.
        compose: for a layer that builds others, its formula from theirs.
        label: the class name to show, such as ``"Bidirectional(LSTM)"``.
        buffers: the state it keeps that is not a parameter (PyTorch's buffers,
            such as a batch norm's ``running_mean``), which the framework does not
            count among the parameters.
        legend: the formula in words, term for term, such as
            ``4 × units × (features + units + 1)``, where the rule has one.
        note: what to know about the layer that its weights do not say, such as how a
            quantized layer stores them, or where the framework keeps values it does
            not count; shown on its row and under the table.
        cost: the multiply-adds the layer computes itself, for the shapes in its
            spec, where the rule derives them; the layers it builds add theirs.
        cost_compose: for a layer that builds others, its cost from theirs, where it
            is not its own plus theirs (a ``TimeDistributed`` runs its layer once a
            step); ``None`` from it where the rule cannot tell.
    """

    weights: tuple[Weight, ...] = ()
    formula: str | None = None
    children: tuple[Spec, ...] = ()
    compose: Callable[[Sequence[str]], str] | None = None
    label: str | None = None
    buffers: tuple[Weight, ...] = ()
    legend: str | None = None
    note: str | None = None
    cost: Cost | None = None
    cost_compose: Callable[[Sequence[Cost]], Cost | None] | None = None


@dataclass(frozen=True)
class NoFormula:
    """A built-in layer whose count lstmdoc does not derive, and why."""

    reason: str


@dataclass(frozen=True)
class Rules:
    """One framework's knowledge, as the walk reads it.

    Attributes:
        framework: the framework's name, as reports show it: ``"Keras"``, ``"PyTorch"``.
        derive: a spec's :class:`Derivation`; a :class:`NoFormula` for a built-in
            class lstmdoc has no formula for; ``None`` for a custom class or a model.
        is_model: whether a spec is a model, explained through the layers it holds.
        separator: what joins a nested layer's name to its parent's: ``/`` in
            Keras' weight paths, ``.`` in PyTorch's ``state_dict`` keys.
        declared: the class column of a weight a custom layer creates itself, such
            as ``"add_weight"``.
        declared_as: the same in words, for the note under the table, such as
            ``"created by a custom layer with add_weight"``.
        buffers: whether the framework keeps buffers apart from parameters
            (PyTorch does; Keras counts every variable as a parameter).
        kind: what the framework calls a layer, for "the same layer as ...".
        computes_nothing: whether a class without a rule, holding no layers, is known
            to multiply nothing (PyTorch's own activations, dropouts and poolings);
            ``None``: no such class is known, and such a layer's mult-adds, its own
            code's, are not derived.
    """

    framework: str
    derive: Callable[[Spec], Derivation | NoFormula | None]
    is_model: Callable[[Spec], bool]
    separator: str
    declared: str
    declared_as: str
    buffers: bool = False
    kind: str = "layer"
    computes_nothing: Callable[[Spec], bool] | None = None


class LayerNode(Protocol):
    """A layer as the walk sees it: its spec, and where the framework's count is."""

    @property
    def spec(self) -> Spec:
        """The layer's spec: class name, module, config and build config."""

    @property
    def key(self) -> Hashable | None:
        """What the layer is, so that one layer in two places is seen once; ``None`` if unknown."""

    def weight_key(self, name: str) -> Hashable | None:
        """What the layer's own weight (or buffer) ``name`` is; ``None`` where not known."""

    def weight_dtype(self, name: str) -> str | None:
        """The dtype the framework keeps the layer's own weight ``name`` in, read where its
        configuration does not say (PyTorch's); ``None`` where not read."""

    def framework_tensors(self) -> tuple[Tensors, Tensors] | None:
        """The framework's parameters and buffers in this layer and beneath, each once.

        Each as its identity and size; ``None`` where they cannot be told apart (a
        file), and the framework's own counts are used as they are.
        """

    def framework_params(self) -> int | None:
        """The framework's count for this layer, or ``None`` where it cannot be read."""

    def framework_buffers(self) -> int | None:
        """The framework's count of this layer's buffer values, or ``None`` if not read."""

    def sublayer(self, spec: Spec) -> LayerNode:
        """The node of a layer this layer builds, described by ``spec``."""

    def members(self) -> Sequence[LayerNode] | None:
        """The layers a model or custom layer holds, in order; ``None`` if not known."""

    def declared_weights(self) -> Sequence[Weight] | None:
        """The weights a custom layer creates itself; ``None`` if not known."""

    def declared_buffers(self) -> Sequence[Weight] | None:
        """The buffers a custom layer keeps itself; ``None`` if not known."""

    def unknown_reason(self) -> str:
        """Why a custom layer's count is not derived, for the report's note."""

    def output_shape(self) -> tuple[int | None, ...] | None:
        """The shape of the layer's output, batch first, where known; ``None`` elsewhere."""

    def added(self, derivation: Derivation) -> tuple[Sequence[Weight], Sequence[LayerNode]]:
        """What a subclass adds to the layer its base class's rule derives: weights, layers."""
