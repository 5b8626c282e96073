"""Configuration of the PyTorch tests, which ``python -m nox -s torch`` runs.

The default test run does not collect this folder (pyproject.toml's
``norecursedirs``), so that it needs no PyTorch. Keras runs here on its PyTorch
backend: these tests need Keras and PyTorch, not TensorFlow.
"""

from __future__ import annotations

import os

# Keras reads its backend once, when it is first imported: before any test module.
os.environ.setdefault("KERAS_BACKEND", "torch")
