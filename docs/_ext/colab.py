"""Give each published notebook a first cell that installs lstmdoc where it is missing.

The site's Binder and Colab buttons open the notebooks that .github/workflows/docs.yml
publishes on the repository's ``notebooks`` branch. Binder installs what that
branch's requirements.txt names; Colab reads no requirements file, and has
TensorFlow and Matplotlib but not lstmdoc. So the workflow runs this script on the
notebooks it publishes::

    python docs/_ext/colab.py "lstmdoc[notebooks] @ git+https://github.com/o/r@SHA" docs/**/*.ipynb

Where ``import lstmdoc`` works (a reader's own machine, Binder, the site's tests)
the cell does nothing. The notebooks a reader downloads from the site do not have
it. Only the standard library is used: the workflow's publishing job installs nothing.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

INSTALL_CELL_ID = "install-lstmdoc"
USAGE = "usage: python docs/_ext/colab.py REQUIREMENT NOTEBOOK.ipynb [NOTEBOOK.ipynb ...]"


def install_cell_source(requirement: str) -> str:
    """The code of the cell that pip-installs ``requirement`` if lstmdoc cannot be imported."""
    if not isinstance(requirement, str):
        raise TypeError(f"requirement must be a string, got {type(requirement).__name__}")
    if not requirement.strip():
        raise ValueError("requirement must be a pip requirement such as 'lstmdoc', got ''")
    if '"' in requirement or "\n" in requirement:
        raise ValueError(f"requirement must hold no double quote or newline, got {requirement!r}")
    return (
        "# On Colab, or wherever lstmdoc is not installed yet, install it first.\n"
        "import importlib.util\n"
        "\n"
        'if importlib.util.find_spec("lstmdoc") is None:\n'
        f'    %pip install --quiet "{requirement}"'
    )


def with_install_cell(notebook: dict[str, Any], requirement: str) -> dict[str, Any]:
    """Return the notebook with the install cell first; an earlier install cell is replaced."""
    if not isinstance(notebook, dict):
        raise TypeError(f"notebook must be a JSON object, got {type(notebook).__name__}")
    if "cells" not in notebook:
        raise ValueError("notebook must be a Jupyter notebook, with a list of 'cells'")
    if not isinstance(notebook["cells"], list):
        raise TypeError(
            f"a notebook's cells must be a list, got {type(notebook['cells']).__name__}"
        )
    cell: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": ["install-lstmdoc"]},
        "outputs": [],
        "source": install_cell_source(requirement),
    }
    if (notebook.get("nbformat"), notebook.get("nbformat_minor", 0)) >= (4, 5):
        cell["id"] = INSTALL_CELL_ID  # cell ids exist from nbformat 4.5 on
    others = [
        other
        for other in notebook["cells"]
        if "install-lstmdoc" not in other.get("metadata", {}).get("tags", [])
    ]
    return {**notebook, "cells": [cell, *others]}


def main(arguments: list[str]) -> int:
    """Add the install cell to each notebook named; on a bad argument, change no file."""
    if len(arguments) < 2:
        print(USAGE, file=sys.stderr)
        return 2
    requirement, paths = arguments[0], [Path(argument) for argument in arguments[1:]]
    try:
        install_cell_source(requirement)
        rewritten = {
            path: with_install_cell(json.loads(path.read_text(encoding="utf-8")), requirement)
            for path in paths
        }
    except (OSError, TypeError, ValueError) as error:  # JSONDecodeError is a ValueError
        print(f"colab.py: {error}", file=sys.stderr)
        return 2
    for path, notebook in rewritten.items():
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".ipynb")
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(notebook, file, indent=1, sort_keys=True, ensure_ascii=False)
            file.write("\n")
        Path(temporary).chmod(0o644)  # as git checks it out; mkstemp makes it private
        Path(temporary).replace(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
