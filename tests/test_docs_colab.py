"""Tests of docs/_ext/colab.py: the published notebooks install lstmdoc where it is missing."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # where the workflow runs it from
colab = importlib.import_module("colab")

REQUIREMENT = "lstmdoc[notebooks] @ git+https://github.com/lstmdoc/lstmdoc@0123abc"


def _notebook(*sources: str, minor: int = 5) -> dict[str, Any]:
    """A notebook of code cells, as nbformat 4.<minor> writes it."""
    cells: list[dict[str, Any]] = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s}
        for s in sources
    ]
    if minor >= 5:
        for number, cell in enumerate(cells):
            cell["id"] = f"cell-{number}"
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": minor}


class TestWithInstallCell:
    def test_puts_the_install_cell_first_and_keeps_every_other_cell(self):
        """The install cell comes first; the notebook's own cells follow, unchanged."""
        notebook = _notebook("x = 1", "print(x)")
        installed = colab.with_install_cell(notebook, REQUIREMENT)
        assert installed["cells"][1:] == notebook["cells"]
        first = installed["cells"][0]
        assert first["cell_type"] == "code"
        assert f'%pip install --quiet "{REQUIREMENT}"' in first["source"]
        assert first["id"] == colab.INSTALL_CELL_ID

    def test_applied_twice_the_notebook_has_one_install_cell(self):
        """Publishing again replaces the install cell rather than adding a second."""
        once = colab.with_install_cell(_notebook("x = 1"), "lstmdoc")
        twice = colab.with_install_cell(once, REQUIREMENT)
        assert len(twice["cells"]) == 2
        assert REQUIREMENT in twice["cells"][0]["source"]

    def test_an_older_notebook_gets_no_cell_id(self):
        """Cell ids exist from nbformat 4.5; an older notebook stays valid without one."""
        installed = colab.with_install_cell(_notebook("x = 1", minor=4), REQUIREMENT)
        assert "id" not in installed["cells"][0]
        nbformat.validate(nbformat.from_dict(installed))

    def test_the_result_is_a_valid_notebook(self):
        """nbformat accepts the notebook with its install cell."""
        nbformat.validate(nbformat.from_dict(colab.with_install_cell(_notebook("1"), REQUIREMENT)))

    @pytest.mark.parametrize("requirement", ["", "   ", 'lstmdoc"; import os', "a\nb"])
    def test_a_bad_requirement_is_refused(self, requirement):
        """An empty requirement, or one that would break out of its quotes, is a ValueError."""
        with pytest.raises(ValueError, match="requirement must"):
            colab.with_install_cell(_notebook("1"), requirement)

    def test_a_requirement_that_is_not_a_string_is_a_type_error(self):
        """None is not a requirement: a TypeError names what was given."""
        with pytest.raises(TypeError, match="requirement must be a string, got NoneType"):
            colab.with_install_cell(_notebook("1"), None)

    def test_something_other_than_a_notebook_is_refused(self):
        """A JSON object without cells is a ValueError, and a JSON array a TypeError."""
        with pytest.raises(ValueError, match="Jupyter notebook, with a list of 'cells'"):
            colab.with_install_cell({"metadata": {}}, REQUIREMENT)
        with pytest.raises(TypeError, match="notebook must be a JSON object, got list"):
            colab.with_install_cell([], REQUIREMENT)


class TestTheInstallCell:
    def test_is_valid_ipython(self):
        """IPython turns the indented %pip into a call, and the result compiles."""
        python = TransformerManager().transform_cell(colab.install_cell_source(REQUIREMENT))
        assert "run_line_magic('pip'" in python
        compile(python, "<install cell>", "exec")

    def test_does_nothing_where_lstmdoc_is_installed(self):
        """In a kernel that can import lstmdoc, the cell runs pip not at all and prints nothing."""
        installed = colab.with_install_cell(_notebook("import lstmdoc\nprint('ok')"), REQUIREMENT)
        notebook = nbformat.reads(json.dumps(installed), as_version=4)
        NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
        assert notebook.cells[0].outputs == []
        assert notebook.cells[1].outputs[0]["text"] == "ok\n"


class TestMain:
    def test_rewrites_each_notebook_named(self, tmp_path):
        """Every notebook named gets the install cell, and stays readable by the site."""
        paths = [tmp_path / "a.ipynb", tmp_path / "b.ipynb"]
        for path in paths:
            path.write_text(json.dumps(_notebook("x = 1")))
        assert colab.main([REQUIREMENT, *map(str, paths)]) == 0
        for path in paths:
            cells = json.loads(path.read_text())["cells"]
            assert [cell["source"] for cell in cells][1:] == ["x = 1"]
            assert path.stat().st_mode & 0o644 == 0o644

    def test_a_bad_file_changes_no_file_and_exits_2(self, tmp_path, capsys):
        """One unreadable notebook stops the run before any file is written: one line, status 2."""
        good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
        good.write_text(json.dumps(_notebook("x = 1")))
        bad.write_text("{not json")
        before = good.read_text()
        assert colab.main([REQUIREMENT, str(good), str(bad)]) == 2
        assert good.read_text() == before
        error = capsys.readouterr().err
        assert error.startswith("colab.py: ")
        assert error.count("\n") == 1

    def test_without_notebooks_it_prints_its_usage(self, capsys):
        """Too few arguments print the usage line and exit 2."""
        assert colab.main([REQUIREMENT]) == 2
        assert capsys.readouterr().err.startswith("usage: ")
