"""Read a PyTorch checkpoint as names and shapes: ``torch.load(..., weights_only=True)``.

The only module of lstmdoc that imports PyTorch, and only when a file is read:
PyTorch's restricted unpickler builds tensors and plain containers and refuses any
other class or function, so no pickled code in the file can run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lstmdoc._checks import first_line
from lstmdoc.pytorch.rule import Shape
from lstmdoc.pytorch.state_dicts import tied_keys

__all__ = ["INSTALL", "NESTED_KEYS", "load"]

INSTALL = 'pip install "lstmdoc[torch]"'

NESTED_KEYS = ("state_dict", "model_state_dict", "model")
"""Where a checkpoint dictionary may hold its ``state_dict``, in the order tried.

``torch.save(model.state_dict(), path)`` stores the ``state_dict`` itself; PyTorch
Lightning stores it under ``"state_dict"``, PyTorch's tutorial on checkpoints under
``"model_state_dict"``, and many training scripts under ``"model"``.
"""


def load(path: Path) -> tuple[dict[str, Shape], str | None, dict[str, str]]:
    """Read the names and shapes of a ``.pt``/``.pth`` file's ``state_dict``.

    Returns:
        The shapes by name; the key the ``state_dict`` was found under (one of
        :data:`NESTED_KEYS`), or ``None`` where the file holds it at the top; and the
        keys whose tensor an earlier key holds (tied weights, which ``torch.save``
        stores once), each with that key.

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


def _state_dict(
    torch: Any, loaded: Any, shown: str
) -> tuple[dict[str, Shape], str | None, dict[str, str]]:
    if not isinstance(loaded, Mapping):
        raise ValueError(  # noqa: TRY004  (the file is a bad value)
            f"path {shown} holds {type(loaded).__name__}, not a state_dict "
            "(a dictionary of tensors by name)"
        )
    if not loaded:  # the state_dict of a model without parameters or buffers
        return {}, None, {}
    candidates: list[tuple[Any, str | None]] = [(loaded, None)]
    candidates += [(loaded[key], key) for key in NESTED_KEYS if key in loaded]
    for candidate, key in candidates:
        if isinstance(candidate, Mapping) and any(
            isinstance(value, torch.Tensor) for value in candidate.values()
        ):
            tensors = {
                str(name): value
                for name, value in candidate.items()
                if isinstance(value, torch.Tensor)
            }
            shapes = {
                name: tuple(int(size) for size in value.shape) for name, value in tensors.items()
            }
            return shapes, key, tied_keys(tensors)
    raise ValueError(
        f"path {shown} holds a dictionary without tensors, at its top or under "
        f"{', '.join(repr(key) for key in NESTED_KEYS)}: not a state_dict"
    )


def _detail(error: BaseException) -> str:
    """What went wrong, in one line: PyTorch's restricted unpickler says it after a header."""
    text = str(error)
    _, marker, rest = text.partition("WeightsUnpickler error:")
    detail = (
        next((line.strip() for line in rest.splitlines() if line.strip()), "") if marker else ""
    )
    return detail or first_line(error, limit=200)
