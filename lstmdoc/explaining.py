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

from lstmdoc._checks import describe, is_torch_module
from lstmdoc.report import ModelReport

__all__ = ["explain", "explain_file"]


def explain(model: Any) -> ModelReport:
    """Explain a built Keras model's, or a PyTorch module's, parameter count, layer by layer.

    Args:
        model: a built ``keras.Model`` (Sequential, functional or subclassed; nested
            models and custom layers are explained through the layers they hold), or
            a single built Keras layer; or a ``torch.nn.Module``.

    Returns:
        A :class:`~lstmdoc.ModelReport`: one row per layer that owns weights,
        in model order, the layers inside each beneath it, the framework's total
        and, if a Keras model has a built optimizer, its variables.

    Raises:
        TypeError: ``model`` is neither a Keras model or layer nor a PyTorch module.
        ValueError: ``model`` is not built yet, so it has no weights to count.
    """
    keras = sys.modules.get("keras")  # a Keras model means Keras is imported already
    # Keras first: on Keras' PyTorch backend, every Keras layer is a torch.nn.Module too.
    if keras is not None and isinstance(model, keras.layers.Layer):
        from lstmdoc.keras import live  # noqa: PLC0415  (Keras' rules, when needed)

        return live.explain_model(keras, model)
    if is_torch_module(model):
        from lstmdoc.pytorch import explaining  # noqa: PLC0415  (PyTorch's rules, when needed)

        return explaining.explain_module(model)
    raise TypeError(
        f"model must be a built Keras model or layer, or a torch.nn.Module, got {describe(model)}"
    )


def explain_file(path: str | os.PathLike[str]) -> ModelReport:
    """Explain a model saved as ``.keras``, or a PyTorch ``state_dict`` saved as ``.pt``/``.pth``.

    A ``.pt`` or ``.pth`` file is read with ``torch.load(..., weights_only=True)``
    and explained by :func:`lstmdoc.explain_state_dict`; that needs PyTorch
    (``pip install "lstmdoc[torch]"``), and refuses a file that holds pickled code,
    such as a whole model saved with ``torch.save(model)``. The rest of this
    describes ``.keras`` files.

    The layers are derived from the archive's ``config.json`` by the same rules as
    a live model's. Keras' own counts are read from the sizes of the arrays in its
    ``model.weights.h5`` when h5py is installed. Neither Keras nor TensorFlow is
    imported, and nothing in the file is deserialized or run: a ``Lambda`` layer's
    code, or a custom class, never executes. A custom class is listed with the
    count stored for it and a note.

    Args:
        path: a ``.keras`` file, as written by ``model.save("model.keras")``.

    Returns:
        A :class:`~lstmdoc.ModelReport`, as :func:`lstmdoc.explain` returns for the model.

    Raises:
        TypeError: ``path`` is not a string or path.
        ValueError: the file does not exist, is not a ``.keras`` archive (or a
            PyTorch file holding a ``state_dict``), is corrupt, or its configuration
            is not a Keras model's.
        ImportError: the file is a ``.pt``/``.pth`` file and PyTorch is not installed.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a path to a .keras file (or a PyTorch .pt/.pth), got {describe(path)}"
        )
    if Path(path).suffix in {".pt", ".pth"}:
        from lstmdoc.pytorch import explaining  # noqa: PLC0415  (PyTorch's rules, when needed)

        return explaining.explain_checkpoint(Path(path))
    from lstmdoc.keras import files  # noqa: PLC0415  (Keras' rules, when needed)

    return files.explain_keras_file(Path(path))
