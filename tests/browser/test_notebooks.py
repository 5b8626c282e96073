"""Every executed page downloads as a notebook with outputs, ready to run where a reader is.

The notebook is fetched from the served site through the page's own download link. It
is not run again here: it is the page as the site's build executed it, top to bottom
in a fresh kernel (``docs/_build/jupyter_execute``), with its outputs and less the
hidden cells' glue, and a failing cell fails the build. So each test shows that the
download is that executed page, cell for cell, and that none of its outputs is an
error; that what it leaves out is glue alone, which binds no name a later cell could
miss; and that every module its code imports is installed in this environment, which
has ``lstmdoc[notebooks]`` but not MyST-NB or Sphinx: what the notebook's first cell
tells a reader to install. (That a glued value's expression changes nothing the later
cells read is assumed: the pages' glue passes counts and shapes to the text.)
"""

from __future__ import annotations

import ast
import importlib.util
import re
import urllib.request
from urllib.parse import urljoin

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from tests.browser.conftest import SITE, site_pages

EXECUTED_PAGES = [
    path for path in site_pages() if (SITE / "_sources" / path.replace(".html", ".ipynb")).is_file()
]
# Where MyST-NB writes each page as the build executed it.
BUILT_PAGES = SITE.parent / "jupyter_execute"


def test_every_notebook_page_offers_its_notebook():
    """Every page that is a notebook (all but Sphinx's index and search) has a download."""
    assert set(site_pages()) - set(EXECUTED_PAGES) == {"genindex.html", "search.html"}


def download(page, base_url, path) -> nbformat.NotebookNode:
    """Fetch the notebook that the page's download menu links to, over HTTP."""
    page.goto(base_url + path, wait_until="domcontentloaded")
    link = page.locator("a[href$='.ipynb'][href*='_sources']")
    assert link.count() == 1
    url = urljoin(base_url + path, link.get_attribute("href"))
    with urllib.request.urlopen(url, timeout=30) as response:
        return nbformat.reads(response.read().decode("utf-8"), as_version=4)


def statements(source: str) -> list[ast.stmt]:
    """A cell's top-level statements, its IPython syntax (``!``, ``%``) made Python."""
    return ast.parse(TransformerManager().transform_cell(source)).body


def is_glue(statement: ast.stmt) -> bool:
    """Whether a statement is MyST-NB's glue: ``from myst_nb import glue`` or ``glue(...)``.

    A glue call that binds a name (``glue("x", (x := 1))``) is not, whatever it calls.
    """
    if isinstance(statement, ast.ImportFrom):
        return statement.module == "myst_nb"
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Name)
        and statement.value.func.id == "glue"
        and not any(isinstance(node, ast.NamedExpr) for node in ast.walk(statement))
    )


def imported_modules(source: str) -> set[str]:
    """The top-level modules a cell's code imports."""
    modules = set()
    for node in ast.walk(ast.Module(body=statements(source), type_ignores=[])):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module.split(".")[0])
    return modules


class _WithoutGlue(ast.NodeTransformer):
    """Drop every glue statement, in loops and other blocks too, as the download does."""

    def visit_Expr(self, node: ast.Expr) -> ast.Expr | None:
        return None if is_glue(node) else node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.ImportFrom | None:
        return None if is_glue(node) else node


def without_glue(source: str) -> list[str]:
    """A cell's statements less its glue, each as ast.dump gives it."""
    tree = _WithoutGlue().visit(ast.Module(body=statements(source), type_ignores=[]))
    return [ast.dump(statement) for statement in tree.body]


def build_problems(downloaded: nbformat.NotebookNode, built: nbformat.NotebookNode) -> list[str]:
    """How the downloaded notebook differs from the build's executed page, but for its glue."""
    problems = []
    built_cells = {cell.id: cell for cell in built.cells if cell.cell_type == "code"}
    kept = set()
    for cell in (cell for cell in downloaded.cells if cell.cell_type == "code"):
        original = built_cells.get(cell.id)
        if original is None:
            problems.append(f"cell {cell.id} is not a cell the build executed")
            continue
        kept.add(cell.id)
        if without_glue(cell.source) != without_glue(original.source):
            problems.append(f"cell {cell.id} is not the executed cell less its glue")
    for cell_id, cell in built_cells.items():
        if cell_id not in kept and without_glue(cell.source):
            problems.append(f"cell {cell_id} is left out, and is more than glue")
    return problems


def test_the_checks_tell_glue_from_code():
    """Glue is its import and its bare calls; a call that binds a name, or code, is not."""
    glue, binds, code = statements(
        "glue('x', int(y.count_params()), display=False)\nglue('z', (z := 1))\nprint(1)"
    )
    assert is_glue(glue)
    assert not is_glue(binds)
    assert not is_glue(code)
    assert is_glue(statements("from myst_nb import glue")[0])
    looped = "for x in y:\n    z = x\n    glue('x', x)"
    assert without_glue(looped) == without_glue("for x in y:\n    z = x")
    assert imported_modules("import numpy as np\nfrom keras import layers\n!ls") == {
        "numpy",
        "keras",
    }


def test_this_environment_is_a_reader_s():
    """lstmdoc[notebooks] is installed here, and the docs' tools are not."""
    for present in ("lstmdoc", "tensorflow", "matplotlib"):
        assert importlib.util.find_spec(present) is not None, present
    for absent in ("myst_nb", "sphinx"):
        assert importlib.util.find_spec(absent) is None, absent


@pytest.mark.parametrize("path", EXECUTED_PAGES)
def test_downloaded_notebook_is_the_executed_page_ready_to_run(page, base_url, visit, path):
    """The page's .ipynb says what it needs, and is the build's run less glue, runnable here."""
    notebook = download(page, base_url, path)
    assert visit.problems() == {}
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert 'python -m pip install "lstmdoc[notebooks]' in first.source
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert any(cell.outputs for cell in code), "the notebook was saved without its outputs"
    assert not [cell for cell in code if "myst_nb" in cell.source]
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert not re.search(r"\{glue", markdown), "a glued number was left as a role"
    built = nbformat.read(BUILT_PAGES / path.replace(".html", ".ipynb"), as_version=4)
    assert build_problems(notebook, built) == []
    errors = [o for cell in code for o in cell.outputs if o["output_type"] == "error"]
    assert errors == []
    missing = {
        module
        for cell in code
        for module in imported_modules(cell.source)
        if importlib.util.find_spec(module) is None
    }
    assert missing == set(), "the notebook imports what lstmdoc[notebooks] does not install"
