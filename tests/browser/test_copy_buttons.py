"""Copy buttons: one on each code cell and code block, copying exactly the code."""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.browser.conftest import SITE, open_context, site_pages

PAGES_WITH_CODE = [
    # a code cell's source or a code block; an output's class starts with "output"
    path
    for path in site_pages()
    if '<div class="highlight-' in (SITE / path).read_text("utf-8")
]


def shown_code_cells(path: str) -> list[str]:
    """The sources of the page's code cells that the page shows, from its notebook."""
    notebook = nbformat.read(SITE / "_sources" / path.replace(".html", ".ipynb"), as_version=4)
    hidden = {"remove-input", "remove-cell"}
    return [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and not hidden & set(cell.metadata.get("tags", []))
    ]


PROMPT = re.compile(r"^(?:>>> |\.\.\. |\$ )")


def copied_text(shown: str) -> str:
    """What a reader should get from a block: all of it, or, in a console block, its commands.

    A block with prompts (``$ ``, ``>>> ``, ``... ``) copies only the prompted lines,
    without the prompts and without the output printed under them.
    """
    lines = shown.splitlines()
    if not any(PROMPT.match(line) for line in lines):
        return shown
    return "\n".join(PROMPT.sub("", line) for line in lines if PROMPT.match(line))


@pytest.fixture
def clipboard_page(browser, base_url, visit):
    """A page whose context may read and write the clipboard."""
    context = open_context(browser, base_url, visit, color_scheme="light")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield context.new_page()
    context.close()
    assert visit.problems() == {}


def test_some_pages_have_code():
    """The site's pages with code are found, so the test below checks something."""
    assert len(PAGES_WITH_CODE) >= 10


@pytest.mark.parametrize("path", PAGES_WITH_CODE)
def test_each_code_cell_copies_exactly_its_code(clipboard_page, base_url, path):
    """Each code cell's button copies the notebook cell's source, a code block its code.

    No prompt and no output is copied, and a cell's output has no button.
    """
    page = clipboard_page
    page.goto(base_url + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    assert page.locator(".cell_output .copybtn").count() == 0
    cells = iter(shown_code_cells(path))
    blocks = page.locator("div.highlight:has(> pre)")
    copied, expected = [], []
    for index in range(blocks.count()):
        block = blocks.nth(index)
        if block.locator("xpath=ancestor::div[contains(@class, 'cell_output')]").count():
            continue
        if block.locator("xpath=ancestor::div[contains(@class, 'cell_input')]").count():
            expected.append(next(cells))
        else:  # a plain code block: its code as shown, or its prompted lines only
            expected.append(copied_text(block.locator("pre").inner_text()))
        assert block.locator(".copybtn").count() == 1
        block.hover()
        block.locator(".copybtn").click()
        copied.append(page.evaluate("navigator.clipboard.readText()"))
    assert next(cells, None) is None  # every code cell the page shows was on it
    assert copied
    assert [text.strip() for text in copied] == [text.strip() for text in expected]
