"""Every executed page downloads as a notebook with outputs that runs in a fresh kernel.

The notebook is fetched from the served site through the page's own download link,
then run top to bottom by nbclient in a new kernel of this environment, which has
``lstmdoc[notebooks]`` but not MyST-NB or Sphinx: what the notebook's first cell
tells a reader to install.
"""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urljoin

import nbformat
import pytest
from nbclient import NotebookClient

from tests._jupyter import use_this_interpreter_as_python3
from tests.browser.conftest import SITE, site_pages

EXECUTED_PAGES = [
    path for path in site_pages() if (SITE / "_sources" / path.replace(".html", ".ipynb")).is_file()
]
# Training the tutorial's model takes seconds; a slow shared machine, much more.
CELL_TIMEOUT = 900


def test_every_notebook_page_offers_its_notebook():
    """Every page that is a notebook (all but Sphinx's index and search) has a download."""
    assert set(site_pages()) - set(EXECUTED_PAGES) == {"genindex.html", "search.html"}


@pytest.fixture
def python3_kernel(tmp_path, monkeypatch):
    """Make the "python3" kernel this interpreter, whatever kernels the machine has."""
    return use_this_interpreter_as_python3(tmp_path, monkeypatch)


def download(page, base_url, path) -> nbformat.NotebookNode:
    """Fetch the notebook that the page's download menu links to, over HTTP."""
    page.goto(base_url + path, wait_until="domcontentloaded")
    link = page.locator("a[href$='.ipynb'][href*='_sources']")
    assert link.count() == 1
    url = urljoin(base_url + path, link.get_attribute("href"))
    with urllib.request.urlopen(url, timeout=30) as response:
        return nbformat.reads(response.read().decode("utf-8"), as_version=4)


@pytest.mark.parametrize("path", EXECUTED_PAGES)
def test_downloaded_notebook_runs_in_a_fresh_kernel(
    page, base_url, visit, tmp_path, python3_kernel, path
):
    """The page's .ipynb says what it needs, has its outputs, and runs top to bottom."""
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
    workdir = tmp_path / "run"
    workdir.mkdir()
    for cell in code:
        cell.outputs = []
    NotebookClient(
        notebook,
        kernel_name=python3_kernel,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(workdir)}},
    ).execute()  # raises CellExecutionError, naming the cell, if any cell fails
    assert any(cell.outputs for cell in code)
