"""lstmdoc: where an LSTM's parameters come from, and what they do.

Importing lstmdoc is quick and needs only NumPy; each public name, listed once in
``__init__.pyi``, is imported from its module the first time it is used, so
``lstmdoc explain model.keras`` loads only what explaining a file needs. TensorFlow
and PyTorch are imported by no helper that takes a Keras model or a PyTorch module,
which has imported them already; only reading a PyTorch ``.pt`` file imports PyTorch.
"""

from __future__ import annotations

from lstmdoc._lazy import attach_stub


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("lstmdoc")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


__getattr__, __dir__, __all__ = attach_stub(__name__, __file__, {"__version__": _version})
