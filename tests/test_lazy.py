"""Tests for lstmdoc._lazy: the public names, listed once in a stub, imported on first use."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import lstmdoc
import lstmdoc.pytorch

PACKAGE = Path(lstmdoc.__file__).parent


def stub_names(stub: Path) -> dict[str, str]:
    """The names a stub re-exports and their modules, read with ast here, not by _lazy."""
    names = {}
    for node in ast.parse(stub.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                assert alias.asname == alias.name, "a stub re-exports a name as itself"
                names[alias.name] = str(node.module)
    return names


class TestStubs:
    @pytest.mark.parametrize("package", [lstmdoc, lstmdoc.pytorch])
    def test_every_name_in_the_stub_is_public_and_resolves(self, package):
        """__all__ is the stub's names, and each is the object its module defines."""
        stub = Path(package.__file__).with_suffix(".pyi")
        names = stub_names(stub)
        assert set(package.__all__) == set(names) | (
            {"__version__"} if package is lstmdoc else set()
        )
        for name, module in names.items():
            assert getattr(package, name) is getattr(sys.modules[module], name)

    def test_an_unknown_name_is_an_attribute_error(self):
        """A name that is not public raises AttributeError, as a module's attribute would."""
        with pytest.raises(AttributeError, match="module 'lstmdoc' has no attribute 'nope'"):
            _ = lstmdoc.nope  # type: ignore[attr-defined]

    def test_dir_lists_the_public_names(self):
        """dir(lstmdoc) offers every public name, for tab completion."""
        assert set(lstmdoc.__all__) <= set(dir(lstmdoc))


def test_importing_lstmdoc_imports_none_of_its_modules():
    """import lstmdoc loads the lazy loader alone: no NumPy, no counting, no rules."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import sys, lstmdoc; print(sorted(m for m in sys.modules if m.startswith("
                "('lstmdoc', 'numpy'))))"
            ),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert loaded.strip() == "['lstmdoc', 'lstmdoc._lazy']"
