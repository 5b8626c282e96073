"""Explain a model's parameter count, layer by layer: a live Keras model or PyTorch module, or a file.

``model.summary()`` prints a number per layer; :func:`lstmdoc.explain` prints where each
number comes from::

    >>> print(lstmdoc.explain(model))
    Model 'sequential': 2,180 parameters (2,180 trainable, 0 non-trainable)

      layer  class  formula                lstmdoc  Keras  check  trainable  non-trainable
      ------------------------------------------------------------------------------------
      lstm   LSTM   4 × 20 × (1 + 20 + 1)    1,760  1,760  ok         1,760              0
      dense  Dense  20 × (20 + 1)              420    420  ok           420              0
      ...

Each formula is derived from the layer's configuration (``units``, ``filters``,
``kernel_size`` ...) and the shape it was built on, never from its weights, and set
beside the framework's own count: a disagreement is shown, not hidden.

This module only tells what it was given, and hands it to the framework's package:
:mod:`lstmdoc.keras` for a Keras model or a ``.keras`` file, :mod:`lstmdoc.pytorch`
for a PyTorch module or a saved ``state_dict``. Neither package imports the other.
TensorFlow, Keras and PyTorch are imported by nothing here: a model passed to
:func:`lstmdoc.explain` has imported its framework already.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from lstmdoc import formats
from lstmdoc._checks import describe, is_torch_module, size
from lstmdoc.report import ModelReport

__all__ = ["explain", "explain_file"]


def explain(
    model: Any,
    *,
    depth: int | None = None,
    input_size: Any = None,
    input_data: Any = None,
    optimizer: Any = None,
) -> ModelReport:
    """Explain a built Keras model's, or a PyTorch module's, parameter count, layer by layer.

    Args:
        model: a built ``keras.Model`` (Sequential, functional or subclassed; nested
            models and custom layers are explained through the layers they hold), or
            a single built Keras layer; or a ``torch.nn.Module``.
        depth: keep the rows this many levels deep and fold the deeper ones into
            them (:meth:`~lstmdoc.ModelReport.folded`); ``0`` shows the model's own
            layers alone. ``None``, the default, shows every level.
        input_size: for a PyTorch module, the input's shape, batch first, as
            torchinfo takes it, such as ``(1, 20, 1)`` (or a list of shapes, one per
            input): the module runs once on zeros of that shape, and each row shows
            its output shape (:mod:`lstmdoc.pytorch.shapes`). A Keras model's output
            shapes are those it was built for, in the ``output`` column and the JSON.
        input_data: for a PyTorch module, the input itself, where zeros will not do
            (an ``Embedding``'s indices): a tensor, a tuple of them, or a dict of
            keyword arguments.
        optimizer: for a PyTorch module, the ``torch.optim`` optimizer of its
            parameters: the report then has the state it keeps, count and bytes
            (a Keras model's own built optimizer is in its report already).

    Returns:
        A :class:`~lstmdoc.ModelReport`: one row per layer that owns weights,
        in model order, the layers inside each beneath it, the framework's total
        and, if a Keras model has a built optimizer, its variables.

    Raises:
        TypeError: ``model`` is neither a Keras model or layer nor a PyTorch module.
        ValueError: ``model`` is not built yet, so it has no weights to count; an
            input given for a Keras model, which knows its shapes; a negative depth;
            a forward pass that fails on the input given.
    """
    if depth is not None:
        size("depth", depth, minimum=0)
    keras = sys.modules.get("keras")  # a Keras model means Keras is imported already
    # Keras first: on Keras' PyTorch backend, every Keras layer is a torch.nn.Module too.
    if keras is not None and isinstance(model, keras.layers.Layer):
        from lstmdoc.keras import live  # noqa: PLC0415  (Keras' rules, when needed)

        if input_size is not None or input_data is not None:
            raise ValueError(
                "input_size and input_data are for PyTorch modules: a Keras model's output "
                "shapes are those it was built for, and are in the report already"
            )
        if optimizer is not None:
            raise ValueError(
                "optimizer is for PyTorch modules: a Keras model's built optimizer "
                "(model.compile) is in its report already"
            )
        return _folded(live.explain_model(keras, model), depth)
    if is_torch_module(model):
        from lstmdoc.pytorch import explaining  # noqa: PLC0415  (PyTorch's rules, when needed)

        torch = sys.modules["torch"]
        if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {describe(optimizer)}")
        report = explaining.explain_module(
            model, input_size=input_size, input_data=input_data, optimizer=optimizer
        )
        return _folded(report, depth)
    raise TypeError(
        f"model must be a built Keras model or layer, or a torch.nn.Module, got {describe(model)}"
    )


def explain_file(path: str | os.PathLike[str], *, depth: int | None = None) -> ModelReport:
    """Explain a saved model, whichever framework wrote it, from its configuration and shapes.

    The format is told by the file's content, not its name (:func:`lstmdoc.formats.kind`):

    - a ``.keras`` file, Keras 2's ``.h5`` model, or a ``.weights.h5`` file: each layer
      is derived from the stored configuration by the same rules as a live model's,
      and Keras' own count read from the sizes of the stored arrays (with h5py). A
      custom class is never imported: it is listed with the arrays stored for it.
    - a PyTorch file (``.pt``, ``.pth``, ``.bin``, ``.ckpt``) holding a ``state_dict``,
      at its top or under ``"state_dict"``, ``"model_state_dict"`` or ``"model"``: read
      with ``torch.load(..., weights_only=True, map_location="meta")``, which builds
      tensors' shapes without their data and refuses anything that would run code.
      It needs PyTorch (``pip install "lstmdoc[torch]"``).
    - a ``.safetensors`` file, or the ``model.safetensors.index.json`` of a sharded
      one: read from its JSON header alone, without PyTorch.
    - a directory written by ``save_pretrained`` (``config.json`` beside safetensors or
      ``pytorch_model.bin`` weights): its weights, with the architecture and the tied
      weights its ``config.json`` names.

    A PyTorch file's or a safetensors file's modules are recognised from their
    tensors' names and shapes, as :func:`lstmdoc.explain_state_dict` recognises them.
    Nothing in any file is deserialized into code or run, neither TensorFlow nor
    Keras is imported, and every size read is bounded first.

    Args:
        path: the file, or a ``save_pretrained`` directory.
        depth: keep the rows this many levels deep, as :func:`lstmdoc.explain` does.

    Returns:
        A :class:`~lstmdoc.ModelReport`, as :func:`lstmdoc.explain` returns for the model.

    Raises:
        TypeError: ``path`` is not a string or path.
        ValueError: the file does not exist, is not a regular file, is of a format
            lstmdoc does not read (the message says what to do), is corrupt, or its
            configuration is not a model's.
        ImportError: the file needs PyTorch, or h5py, and it is not installed.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a path to a saved model file, got {describe(path)}")
    if depth is not None:
        size("depth", depth, minimum=0)
    return _folded(_explain_file(Path(path)), depth)


def _folded(report: ModelReport, depth: int | None) -> ModelReport:
    return report if depth is None else report.folded(depth)


def _explain_file(location: Path) -> ModelReport:
    try:
        found = formats.kind(location)
    except formats.UnreadableFile:
        # A missing .pt still says first that reading one needs PyTorch, if it does.
        if location.exists() or _SUFFIXES.get(location.suffix.lower()) != "torch":
            raise
        found = "torch"
    if found in {"unknown", "zip"}:  # the name says what the content could not
        found = _SUFFIXES.get(location.suffix.lower(), found)
    if found in {"keras", "hdf5"}:
        from lstmdoc.keras import files  # noqa: PLC0415  (Keras' rules, when needed)

        if found == "keras":
            return files.explain_keras_file(location)
        return files.explain_h5_file(location)
    if found in {"torch", "torch-legacy", "safetensors", "pretrained"} or (
        found == "unknown" and location.name.endswith(".safetensors.index.json")
    ):
        from lstmdoc.pytorch import explaining  # noqa: PLC0415  (PyTorch's rules, when needed)

        return explaining.explain_checkpoint(location)
    raise formats.UnreadableFile(_refusal(location, found))


_SUFFIXES = {
    ".keras": "keras",
    ".h5": "hdf5",
    ".hdf5": "hdf5",
    **dict.fromkeys((".pt", ".pth", ".bin", ".ckpt"), "torch"),
}
"""What a file whose content shows no format claims to be, by its suffix: it is read as
that, to say in what way it is not one."""


def _refusal(path: Path, found: str) -> str:
    """Why lstmdoc does not read ``path``, and what to do instead, in one line."""
    shown = formats.describe_path(path)
    if found == "savedmodel":
        return (
            f"path {shown} is a TensorFlow SavedModel, which stores a traced graph rather than "
            "each layer's configuration, and lstmdoc does not read it: load it in Keras "
            "(keras.layers.TFSMLayer) and call lstmdoc.explain, or explain the .keras file it "
            "was exported from"
        )
    if found == "directory":
        return (
            f"path {shown} is a directory, but not one save_pretrained writes (config.json "
            "with model.safetensors or pytorch_model.bin) nor a SavedModel: give the model "
            "file itself"
        )
    if found == "zip":
        return (
            f"path {shown} is a zip archive, but neither a .keras file (no config.json) nor a "
            "file torch.save writes (no data.pkl)"
        )
    return (
        f"path {shown} is not a model file lstmdoc reads: it reads .keras, Keras' .h5 and "
        ".weights.h5, PyTorch's .pt/.pth/.bin/.ckpt, .safetensors and save_pretrained "
        "directories, and tells them apart by their content"
    )
