"""Read a PyTorch ``state_dict`` as data: names and shapes, and the modules they fit.

A ``state_dict`` maps names such as ``encoder.lstm.weight_ih_l0`` to tensors. It
names no class and stores no constructor argument, so lstmdoc reads the module
paths (``encoder.lstm``) and, for each module, the names and shapes of its tensors,
and recognises the classes whose tensors have these names:

- ``weight_ih_l0``, ``weight_hh_l0`` ... (``_reverse`` for the backward direction,
  ``weight_hr_l0`` for a projection): ``LSTM``, ``GRU`` or ``RNN``, told apart by
  the gate blocks in ``weight_hh_l0``'s rows, with ``input_size``, ``hidden_size``,
  ``num_layers``, ``bidirectional`` and ``proj_size`` read back from the shapes;
- ``weight_ih``, ``weight_hh`` without a layer: the cells;
- ``in_proj_weight`` or ``q_proj_weight`` beside ``out_proj``: ``MultiheadAttention``;
- ``running_mean`` and ``running_var``: a batch (or instance) norm with its buffers;
- a 2-D ``weight`` and its ``bias``: ``Linear``; a 2-D ``weight`` alone: ``Embedding``
  (or a ``Linear`` without bias, which counts the same).

Each class's recogniser sits beside its rule (:attr:`lstmdoc.pytorch.rule.TorchRule.recognise`).
A class is recognised only if its rule, given the arguments read back, creates
exactly the tensors stored, by name and shape. Anything else is listed with its
tensors, counted from their stored shapes. Nothing here imports PyTorch: reading a
file is :mod:`lstmdoc.pytorch.checkpoints`'s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lstmdoc.counting.breakdowns import Weight
from lstmdoc.pytorch import registry
from lstmdoc.pytorch.rule import Shape
from lstmdoc.report.rules import Derivation, LayerNode, Spec

__all__ = [
    "BUFFER_NAMES",
    "BUFFER_SUFFIXES",
    "Group",
    "Recognised",
    "StoredModule",
    "group",
    "is_buffer_name",
    "recognise",
    "tied_keys",
]


@dataclass
class Group:
    """The tensors stored for one module path, and the paths beneath it.

    Attributes:
        name: the last part of the path, such as ``lstm``; ``""`` for the root.
        tensors: the module's own tensors, by name, as their shapes.
        children: the modules beneath, by name, in the ``state_dict``'s order.
        identities: each own tensor's identity: its full key, or, for a tensor stored
            under several keys (a tied weight), the first key that holds it.
        buffers: the own tensors that are buffers whatever the module's class: by
            name (:func:`is_buffer_name`), or because they hold integers.
        dtypes: the own tensors' dtypes, by name, where the file says (``"float32"``).
    """

    name: str
    tensors: dict[str, Shape] = field(default_factory=dict)
    children: dict[str, Group] = field(default_factory=dict)
    identities: dict[str, str] = field(default_factory=dict)
    buffers: set[str] = field(default_factory=set)
    dtypes: dict[str, str] = field(default_factory=dict)

    def everything(self) -> dict[str, Shape]:
        """Every tensor at or beneath this module, by its name relative to it."""
        found = dict(self.tensors)
        for name, child in self.children.items():
            found |= {f"{name}.{key}": shape for key, shape in child.everything().items()}
        return found


def group(
    shapes: Mapping[str, Shape],
    tied: Mapping[str, str] | None = None,
    integers: Collection[str] = (),
    dtypes: Mapping[str, str] | None = None,
) -> Group:
    """Arrange a ``state_dict``'s names and shapes by module path.

    Args:
        shapes: each tensor's shape, by its key.
        tied: for a key whose tensor is also stored under an earlier key, that key.
        integers: the keys of tensors of integer or boolean dtype, which are buffers.
        dtypes: each tensor's dtype, by its key, where known.
    """
    root = Group("")
    integers = set(integers)
    for key, shape in shapes.items():
        *path, tensor = key.split(".")
        node = root
        for part in path:
            node = node.children.setdefault(part, Group(part))
        node.tensors[tensor] = shape
        node.identities[tensor] = (tied or {}).get(key, key)
        if dtypes and key in dtypes:
            node.dtypes[tensor] = dtypes[key]
        if key in integers or is_buffer_name(tensor):
            node.buffers.add(tensor)
    return root


def tied_keys(state_dict: Mapping[str, Any]) -> dict[str, str]:
    """The keys of a ``state_dict`` whose tensor an earlier key holds, each with that key.

    ``model.state_dict()`` and ``torch.save`` keep a tensor that two modules share (a
    tied weight, such as GPT-2's output layer and its token embedding) as one storage
    under both keys. Two keys hold the same tensor where the storage, the offset into
    it, the shape and the strides are all the same. Anything that is not a tensor is
    never tied.
    """
    first: dict[tuple[Any, ...], str] = {}
    tied = {}
    for key, value in state_dict.items():
        identity = _identity(value)
        if identity is None:
            continue
        if identity in first:
            tied[key] = first[identity]
        else:
            first[identity] = key
    return tied


@dataclass(frozen=True)
class Recognised:
    """A module recognised from its tensors: its spec, and what a file cannot say."""

    spec: Spec
    note: str | None = None


def recognise(stored: Group) -> Recognised | None:
    """The class whose rule creates exactly ``stored``'s tensors, with its arguments.

    Where several classes fit (a lone weight matrix is an ``Embedding`` or a bias-less
    ``Linear``), the one that prefers the module's name is chosen, else the first.
    """
    children = frozenset(stored.children)
    fits = []
    for recogniser in registry.RECOGNISERS:
        found = recogniser(stored.tensors, children)
        if found is None:
            continue
        spec = Spec(
            class_name=found.class_name,
            module=f"torch.nn.modules.{found.module}",
            config={"name": stored.name, **found.config},
            label=found.call,
        )
        if registry.tensors_of(spec) == stored.everything():
            fits.append((found.prefer, Recognised(spec, found.note)))
    name = stored.name.lower()
    preferred = [fit for prefer, fit in fits if prefer and re.search(prefer, name)]
    plain = [fit for prefer, fit in fits if not prefer]
    chosen = preferred or plain or [fit for _, fit in fits]
    return chosen[0] if chosen else None


def is_buffer_name(name: str) -> bool:
    """Whether a tensor of this name is a buffer wherever it is found, never a parameter.

    Batch norms' statistics (``running_mean``, ``num_batches_tracked``), the indices
    and ids models keep beside their weights (Swin's ``relative_position_index``,
    BERT's ``position_ids``), masks and rotary frequencies (``inv_freq``).
    """
    return name in BUFFER_NAMES or name.endswith(BUFFER_SUFFIXES)


BUFFER_NAMES = frozenset(
    {
        "running_mean",
        "running_var",
        "num_batches_tracked",
        "position_ids",
        "token_type_ids",
        "inv_freq",
        "masked_bias",
        "_float_tensor",
        "final_logits_bias",
    }
)
"""Tensor names that are buffers in every module PyTorch or ``transformers`` defines.

``final_logits_bias`` is the ``nn.Buffer`` that ``transformers``' BART, mBART, Marian,
Pegasus and Blenderbot heads add to their logits (``modeling_bart.py``, read)."""

BUFFER_SUFFIXES = ("_index", "_ids", "_mask", "_buffer")
"""Name endings of buffers: ``relative_position_index``, ``attn_mask``, ``weight_mask`` ..."""


class StoredModule:
    """A module of a ``state_dict``, as the walk sees it: recognised, or its tensors."""

    def __init__(self, stored: Group, notes: list[str], path: str, spec: Spec | None = None):
        self._stored = stored
        self._notes = notes
        self._path = path
        recognised = None if spec is not None else recognise(stored)
        if recognised is not None and recognised.note:
            notes.append(f"{path or 'the state_dict'}: {recognised.note}.")
        self._spec = spec or (
            recognised.spec
            if recognised
            else Spec(class_name="unknown", config={"name": stored.name})
        )

    @property
    def spec(self) -> Spec:
        """The recognised class and its arguments, or an ``unknown`` class."""
        return self._spec

    @property
    def recognised(self) -> bool:
        """Whether a class was recognised in this module's tensors."""
        return self._spec.class_name != "unknown"

    def framework_params(self) -> int:
        """The stored values that are parameters: all, but a recognised class's buffers."""
        buffers = self._buffer_names()
        return sum(
            math.prod(shape) for name, shape in self._stored.tensors.items() if name not in buffers
        ) + sum(child.framework_params() for child in self._children())

    def framework_buffers(self) -> int:
        """The stored values that a recognised class keeps as buffers."""
        buffers = self._buffer_names()
        return sum(
            math.prod(shape) for name, shape in self._stored.tensors.items() if name in buffers
        ) + sum(child.framework_buffers() for child in self._children())

    def sublayer(self, spec: Spec) -> LayerNode:
        """The module ``spec`` a recognised class builds, such as ``out_proj``."""
        return StoredModule(
            self._stored.children[spec.name], self._notes, self._inside(spec.name), spec
        )

    def members(self) -> Sequence[LayerNode]:
        """The modules beneath an unrecognised one, in the ``state_dict``'s order."""
        return self._children()

    def declared_weights(self) -> Sequence[Weight]:
        """An unrecognised module's own parameters, counted from their stored shapes."""
        buffers = self._stored.buffers
        return [
            Weight(name, shape, True, dtype=self._stored.dtypes.get(name))
            for name, shape in self._stored.tensors.items()
            if name not in buffers
        ]

    def declared_buffers(self) -> Sequence[Weight]:
        """An unrecognised module's tensors known to be buffers, by name or dtype."""
        buffers = self._stored.buffers
        return [
            Weight(name, shape, False, dtype=self._stored.dtypes.get(name))
            for name, shape in self._stored.tensors.items()
            if name in buffers
        ]

    @property
    def key(self) -> None:
        """Unknown: a ``state_dict`` holds tensors, not modules."""
        return

    def weight_key(self, name: str) -> str | None:
        """The tensor stored as ``name``: its key, or the first key of a tied tensor."""
        return self._stored.identities.get(name)

    def weight_dtype(self, name: str) -> str | None:
        """The stored tensor's dtype, where the file says."""
        return self._stored.dtypes.get(name)

    def framework_tensors(self) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """The stored parameters and buffers here and beneath, a tied tensor once."""
        buffers = self._buffer_names()
        parameters: list[tuple[str, int]] = []
        kept: list[tuple[str, int]] = []
        for name, shape in self._stored.tensors.items():
            tensor = (self._stored.identities[name], math.prod(shape))
            (kept if name in buffers else parameters).append(tensor)
        for child in self._children():
            inner, inner_buffers = child.framework_tensors()
            parameters += inner
            kept += inner_buffers
        return list(dict(parameters).items()), list(dict(kept).items())

    def added(self, _derivation: Derivation) -> tuple[Sequence[Weight], Sequence[LayerNode]]:
        """Nothing: a ``state_dict`` names no class, let alone a subclass."""
        return (), ()

    def output_shape(self) -> None:
        """Not known: a ``state_dict`` holds no module to run."""
        return

    def unknown_reason(self) -> str:
        """Why an unrecognised module is not derived."""
        return "a state_dict names no class, and these tensors fit none lstmdoc recognises"

    def _children(self) -> list[StoredModule]:
        if self.recognised:  # its children are the ones its rule builds, through sublayer
            return [
                StoredModule(child, [], self._inside(name), Spec(class_name="unknown"))
                for name, child in self._stored.children.items()
            ]
        return [
            StoredModule(child, self._notes, self._inside(name))
            for name, child in self._stored.children.items()
        ]

    def _buffer_names(self) -> set[str]:
        if not self.recognised:
            return self._stored.buffers
        buffers = getattr(registry.derive(self._spec), "buffers", ())
        return {buffer.name for buffer in buffers}

    def _inside(self, name: str) -> str:
        return f"{self._path}.{name}" if self._path else name


def _identity(value: Any) -> tuple[Any, ...] | None:
    """Where a tensor's values live: its storage, offset, shape and strides; ``None`` if unknown."""
    storage = getattr(value, "untyped_storage", None)
    if storage is None or not callable(storage):
        return None
    try:
        if not value.numel():
            return None  # every empty tensor starts at address 0: none is tied to another
        # A file read onto the meta device (shapes, no data) has no data pointers, but
        # each storage remembers where it lies in the file; a live one is its address.
        held = storage()
        place = getattr(held, "_checkpoint_offset", None)
        return (
            ("file", place) if isinstance(place, int) else held.data_ptr(),
            int(value.storage_offset()),
            tuple(value.shape),
            tuple(value.stride()),
        )
    except (AttributeError, RuntimeError, TypeError):
        return None
