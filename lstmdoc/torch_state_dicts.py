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

A class is recognised only if its rule in :mod:`lstmdoc.torch_modules`, given
the arguments read back, creates exactly the tensors stored, by name and shape.
Anything else is listed with its tensors, counted from their stored shapes.
``load`` reads a ``.pt`` or ``.pth`` file with ``torch.load(...,
weights_only=True)``, so no pickled code in the file can run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lstmdoc import torch_modules
from lstmdoc.deriving import LayerNode
from lstmdoc.report import LayerWeight

__all__ = ["NESTED_KEYS", "StoredModule", "group", "load", "recognise"]

Spec = Mapping[str, Any]
Shape = tuple[int, ...]

NESTED_KEYS = ("state_dict", "model_state_dict", "model")
"""Where a checkpoint dictionary may hold its ``state_dict``, in the order tried.

``torch.save(model.state_dict(), path)`` stores the ``state_dict`` itself; PyTorch
Lightning stores it under ``"state_dict"``, PyTorch's tutorial on checkpoints under
``"model_state_dict"``, and many training scripts under ``"model"``.
"""

INSTALL = 'pip install "lstmdoc[torch]"'
_RECURRENT_KEY = re.compile(r"(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?")
_CELL_KEYS = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
_MODES = {4: "LSTM", 3: "GRU", 1: "RNN"}


@dataclass
class Group:
    """The tensors stored for one module path, and the paths beneath it.

    Attributes:
        name: the last part of the path, such as ``lstm``; ``""`` for the root.
        tensors: the module's own tensors, by name, as their shapes.
        children: the modules beneath, by name, in the ``state_dict``'s order.
    """

    name: str
    tensors: dict[str, Shape] = field(default_factory=dict)
    children: dict[str, Group] = field(default_factory=dict)

    def everything(self) -> dict[str, Shape]:
        """Every tensor at or beneath this module, by its name relative to it."""
        found = dict(self.tensors)
        for name, child in self.children.items():
            found |= {f"{name}.{key}": shape for key, shape in child.everything().items()}
        return found


def group(shapes: Mapping[str, Shape]) -> Group:
    """Arrange a ``state_dict``'s names and shapes by module path."""
    root = Group("")
    for key, shape in shapes.items():
        *path, tensor = key.split(".")
        node = root
        for part in path:
            node = node.children.setdefault(part, Group(part))
        node.tensors[tensor] = shape
    return root


@dataclass(frozen=True)
class Recognised:
    """A module recognised from its tensors: its spec, and what a file cannot say."""

    spec: Spec
    note: str | None = None


def recognise(stored: Group) -> Recognised | None:
    """The class whose rule creates exactly ``stored``'s tensors, with its arguments."""
    for recogniser in (_recurrent, _cell, _attention, _norm, _linear):
        found = recogniser(stored)
        if found is None:
            continue
        class_name, module, config, call, note = found
        spec = {
            "class_name": class_name,
            "module": f"torch.nn.modules.{module}",
            "label": call,
            "config": {"name": stored.name, **config},
        }
        if torch_modules.weights_of(spec) == stored.everything():
            return Recognised(spec, note)
    return None


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
            else {"class_name": "unknown", "module": None, "config": {"name": stored.name}}
        )

    @property
    def spec(self) -> Spec:
        """The recognised class and its arguments, or an ``unknown`` class."""
        return self._spec

    @property
    def recognised(self) -> bool:
        """Whether a class was recognised in this module's tensors."""
        return self._spec.get("class_name") != "unknown"

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
        name = str(spec["config"]["name"])
        return StoredModule(self._stored.children[name], self._notes, self._inside(name), spec)

    def members(self) -> Sequence[LayerNode]:
        """The modules beneath an unrecognised one, in the ``state_dict``'s order."""
        return self._children()

    def declared_weights(self) -> Sequence[LayerWeight]:
        """An unrecognised module's own tensors, counted from their stored shapes."""
        return [LayerWeight(name, shape, True) for name, shape in self._stored.tensors.items()]

    def declared_buffers(self) -> None:
        """Unknown: a ``state_dict`` stores parameters and buffers alike."""
        return

    def unknown_reason(self) -> str:
        """Why an unrecognised module is not derived."""
        return "a state_dict names no class, and these tensors fit none lstmdoc recognises"

    def _children(self) -> list[StoredModule]:
        if self.recognised:  # its children are the ones its rule builds, through sublayer
            return [
                StoredModule(child, [], self._inside(name), {"class_name": "unknown"})
                for name, child in self._stored.children.items()
            ]
        return [
            StoredModule(child, self._notes, self._inside(name))
            for name, child in self._stored.children.items()
        ]

    def _buffer_names(self) -> set[str]:
        derivation = torch_modules.derive(self._spec) if self.recognised else None
        buffers = getattr(derivation, "buffers", ())
        return {buffer.name for buffer in buffers}

    def _inside(self, name: str) -> str:
        return f"{self._path}.{name}" if self._path else name


def load(path: Path) -> tuple[dict[str, Shape], str | None]:
    """Read the names and shapes of a ``.pt``/``.pth`` file's ``state_dict``.

    Returns:
        The shapes by name, and the key the ``state_dict`` was found under (one of
        :data:`NESTED_KEYS`), or ``None`` where the file holds it at the top.

    Raises:
        ImportError: PyTorch is not installed.
        ValueError: the file is missing, not a PyTorch file, corrupt, holds pickled
            objects other than tensors (a whole model saved with ``torch.save(model)``),
            or holds no ``state_dict``.
    """
    shown = repr(str(path))
    if path.suffix not in {".pt", ".pth"}:
        raise ValueError(f"path {shown} must be a .pt or .pth file, got {path.suffix!r}")
    try:
        import torch  # noqa: PLC0415  (optional, and slow to import: only for these files)
    except ImportError:
        raise ImportError(
            f"reading {path.name} needs PyTorch, which is not installed: {INSTALL}"
        ) from None
    if not path.exists():
        raise ValueError(f"path {shown} does not exist")
    if path.is_dir():
        raise ValueError(f"path {shown} is a directory, expected a .pt or .pth file")
    try:
        # weights_only=True: PyTorch's restricted unpickler, which builds tensors and
        # plain containers only and refuses every other class or function.
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001  (torch.load raises many kinds for a bad file)
        text = str(error)
        if "Unsupported global" in text:  # a class or function the file would call
            raise ValueError(
                f"path {shown} holds pickled Python objects, not only tensors (a whole model "
                "saved with torch.save(model)?), and lstmdoc never unpickles code: save "
                "model.state_dict() instead"
            ) from None
        raise ValueError(f"path {shown} is not a readable PyTorch file: {_detail(error)}") from None
    return _state_dict(torch, loaded, shown)


def _state_dict(torch: Any, loaded: Any, shown: str) -> tuple[dict[str, Shape], str | None]:
    if not isinstance(loaded, Mapping):
        raise ValueError(  # noqa: TRY004  (the file is a bad value)
            f"path {shown} holds {type(loaded).__name__}, not a state_dict "
            "(a dictionary of tensors by name)"
        )
    if not loaded:  # the state_dict of a model without parameters or buffers
        return {}, None
    candidates: list[tuple[Any, str | None]] = [(loaded, None)]
    candidates += [(loaded[key], key) for key in NESTED_KEYS if key in loaded]
    for candidate, key in candidates:
        if isinstance(candidate, Mapping) and any(
            isinstance(value, torch.Tensor) for value in candidate.values()
        ):
            return {
                str(name): tuple(int(size) for size in value.shape)
                for name, value in candidate.items()
                if isinstance(value, torch.Tensor)
            }, key
    raise ValueError(
        f"path {shown} holds a dictionary without tensors, at its top or under "
        f"{', '.join(repr(key) for key in NESTED_KEYS)}: not a state_dict"
    )


# --- recognisers: a module's tensors to (class, module file, arguments, call, note) ------

_Found = tuple[str, str, dict[str, Any], str, str | None]


def _options(*pairs: tuple[str, Any, Any]) -> str:
    """``, name=value`` for each argument that is not its default."""
    return "".join(f", {name}={value!r}" for name, value, default in pairs if value != default)


def _recurrent(stored: Group) -> _Found | None:
    keys = stored.tensors
    if stored.children or not keys or not all(_RECURRENT_KEY.fullmatch(key) for key in keys):
        return None
    ih, hh, hr = (keys.get(f"{name}_l0") for name in ("weight_ih", "weight_hh", "weight_hr"))
    if ih is None or hh is None or len(ih) != 2 or len(hh) != 2:
        return None
    projection, hidden = hr if hr is not None and len(hr) == 2 else (0, hh[1])
    if hidden < 1 or hh[0] % hidden or hh[0] // hidden not in _MODES:
        return None
    mode = _MODES[hh[0] // hidden]
    matches = [_RECURRENT_KEY.fullmatch(key) for key in keys]
    config = {
        "input_size": ih[1],
        "hidden_size": hidden,
        "num_layers": 1 + max(int(match.group(2)) for match in matches if match),
        "bias": "bias_ih_l0" in keys,
        "bidirectional": any(key.endswith("_reverse") for key in keys),
        "proj_size": projection,
    }
    call = f"{mode}({ih[1]}, {hidden}" + _options(
        ("num_layers", config["num_layers"], 1),
        ("bias", config["bias"], True),
        ("bidirectional", config["bidirectional"], False),
        ("proj_size", projection, 0),
    )
    note = (
        "its nonlinearity (tanh or relu) is not stored, and does not change the count"
        if mode == "RNN"
        else None
    )
    return mode, "rnn", config, call + ")", note


def _cell(stored: Group) -> _Found | None:
    keys = stored.tensors
    if stored.children or not {"weight_ih", "weight_hh"} <= set(keys) <= _CELL_KEYS:
        return None
    ih, hh = keys["weight_ih"], keys["weight_hh"]
    if len(ih) != 2 or len(hh) != 2 or hh[1] < 1 or hh[0] % hh[1] or hh[0] // hh[1] not in _MODES:
        return None
    mode = _MODES[hh[0] // hh[1]]
    config = {"input_size": ih[1], "hidden_size": hh[1], "bias": "bias_ih" in keys}
    call = f"{mode}Cell({ih[1]}, {hh[1]}" + _options(("bias", config["bias"], True)) + ")"
    note = (
        "its nonlinearity is not stored, and does not change the count" if mode == "RNN" else None
    )
    return f"{mode}Cell", "rnn", config, call, note


def _attention(stored: Group) -> _Found | None:
    keys = stored.tensors
    if set(stored.children) != {"out_proj"}:
        return None
    if "in_proj_weight" in keys and len(keys["in_proj_weight"]) == 2:
        width = keys["in_proj_weight"][1]
        kdim = vdim = width
    elif {"q_proj_weight", "k_proj_weight", "v_proj_weight"} <= set(keys):
        width, kdim, vdim = (keys[f"{name}_proj_weight"][-1] for name in "qkv")
    else:
        return None
    config = {
        "embed_dim": width,
        "kdim": kdim,
        "vdim": vdim,
        "_qkv_same_embed_dim": "in_proj_weight" in keys,
        "in_proj_bias": "in_proj_bias" in keys,
        "bias_k": "bias_k" in keys,
    }
    call = f"MultiheadAttention({width}, num_heads" + _options(
        ("kdim", kdim, width),
        ("vdim", vdim, width),
        ("bias", config["in_proj_bias"], True),
        ("add_bias_kv", config["bias_k"], False),
    )
    note = "num_heads is not stored in a state_dict, and does not change the count"
    return "MultiheadAttention", "activation", config, call + ")", note


def _norm(stored: Group) -> _Found | None:
    keys = stored.tensors
    mean = keys.get("running_mean")
    if stored.children or mean is None or len(mean) != 1:
        return None
    config = {
        "num_features": mean[0],
        "affine": "weight" in keys,
        "bias": "bias" in keys,
        "track_running_stats": True,
    }
    call = f"BatchNorm*d({mean[0]}" + _options(("affine", config["affine"], True)) + ")"
    note = (
        "a state_dict does not say whether this is BatchNorm1d, 2d or 3d, or an "
        "InstanceNorm with track_running_stats=True: all of them count the same"
    )
    return "BatchNorm1d", "batchnorm", config, call, note


def _linear(stored: Group) -> _Found | None:
    keys = stored.tensors
    weight = keys.get("weight")
    if stored.children or weight is None or len(weight) != 2 or set(keys) - {"weight", "bias"}:
        return None
    rows, columns = weight
    if "bias" in keys:
        config = {"in_features": columns, "out_features": rows, "bias": True}
        return "Linear", "linear", config, f"Linear({columns}, {rows})", None
    note = (
        f"a lone weight matrix is an Embedding({rows}, {columns}), a "
        f"Linear({columns}, {rows}, bias=False) or another module with one such weight: "
        f"all count {rows} × {columns}"
    )
    config = {"num_embeddings": rows, "embedding_dim": columns}
    return "Embedding", "sparse", config, f"Embedding({rows}, {columns})", note


def _detail(error: BaseException) -> str:
    """What went wrong, in one line: PyTorch's restricted unpickler says it after a header."""
    text = str(error)
    _, marker, rest = text.partition("WeightsUnpickler error:")
    detail = (
        next((line.strip() for line in rest.splitlines() if line.strip()), "") if marker else ""
    )
    return detail or _first_line(error)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."
