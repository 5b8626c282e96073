"""A Jupyter kernel for the tests that run notebooks: this interpreter, as "python3"."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

KERNEL_NAME = "python3"


def use_this_interpreter_as_python3(folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make the "python3" kernel this interpreter, whatever kernels the machine has.

    Writes its kernel spec under ``folder`` and points ``JUPYTER_PATH`` there; returns
    the kernel's name.
    """
    spec = folder / "jupyter" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(folder / "jupyter"))
    return KERNEL_NAME
