"""Offer each executed page as a notebook a reader can run, and launch that notebook.

sphinx-book-theme copies MyST-NB's executed notebook of each page next to the page's
source (``_sources/<page>.ipynb``), where its download button links to it. As
written by MyST-NB, that notebook still holds the page's hidden cells, which pass
numbers to the text with ``myst_nb.glue``, so it would need MyST-NB to run, and its
text would read ``{glue:text}`key```. Here the downloadable copy keeps every line of
code the page ran except the glue (its import and its calls; a hidden cell left
empty goes), and writes each glued number into the text as the page shows it. Its
first cell says what it needs, ``lstmdoc[notebooks]`` (:func:`notebook_requirement`:
the release the page was built from, or the repository's commit for a build between
releases), and it runs wherever that is installed. The same requirement is written
to ``_sources/requirements.txt``, where the publishing workflow reads it for Colab's
install cell and Binder.

The theme's Binder and Colab buttons point at the page's ``.md`` source, which
neither opens as a notebook. .github/workflows/docs.yml publishes these same
notebooks on the repository's ``notebooks`` branch; the buttons open them there.
"""

from __future__ import annotations

import ast
import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat
from jupyter_cache import get_cache
from myst_nb.core.variables import format_plain_text
from packaging.version import InvalidVersion, Version
from sphinx.util import logging

logger = logging.getLogger(__name__)
# The oldest Python lstmdoc supports, as its pyproject.toml says (requires-python = ">=3.11").
_OLDEST_PYTHON = metadata.metadata("lstmdoc")["Requires-Python"].removeprefix(">=")

# {glue:text}`key:format`, {glue:}`key` and {glue}`key`, with an optional "page::" prefix.
_GLUE_ROLE = re.compile(r"\{glue(?::text|:)?\}`(?:[^`:]+::)?([^`:]+)(?::([^`]*))?`")


def is_release(version: str) -> bool:
    """Whether ``version`` can be a release on PyPI: no development or local part.

    hatch-vcs gives a tagged commit its tag's version (``0.2.0``) and any other
    commit a development version with the commit in its local part
    (``0.2.1.dev3+g1a2b3c4``); a checkout without git history gets ``0.1.dev0``.
    """
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    return not parsed.is_devrelease and parsed.local is None


def notebook_requirement(version: str, repository_url: str, commit: str | None = None) -> str:
    """What a reader installs to run the notebooks of a site built from lstmdoc ``version``.

    A release installs that release from PyPI, so each page's notebook runs the
    version the page was built with. Between releases there is nothing on PyPI to
    match, so it installs from the repository: at ``commit`` if known.
    """
    if is_release(version):
        return f"lstmdoc[notebooks]=={version}"
    at = f"@{commit}" if commit else ""
    return f"lstmdoc[notebooks] @ git+{repository_url}{at}"


def _without_glue(source: str) -> str:
    """Return a cell's code less its glue import and its ``glue(...)`` statements.

    Raises ValueError if what is left is not valid Python or still uses ``glue``,
    such as a loop whose only statement glues: the page must then be rewritten.
    """
    drop: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        is_import = isinstance(node, ast.ImportFrom) and node.module == "myst_nb"
        is_call = (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "glue"
        )
        if is_import or is_call:
            drop.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    if not drop:
        return source
    lines = [line for number, line in enumerate(source.splitlines(), 1) if number not in drop]
    code = "\n".join(lines).strip()
    try:
        left = ast.parse(code)
    except SyntaxError as error:
        raise ValueError(f"without its glue, a cell is not valid Python: {error}") from None
    if any(isinstance(node, ast.Name) and node.id == "glue" for node in ast.walk(left)):
        raise ValueError("a cell uses glue other than as a statement of its own")
    return code


def requirements_cell(requirement: str) -> nbformat.NotebookNode:
    """A Markdown cell that says what the notebook needs and how to install it."""
    return nbformat.v4.new_markdown_cell(
        "This notebook is a page of lstmdoc's documentation, executed when the site was built.\n"
        f"To run it you need Python {_OLDEST_PYTHON} or newer and lstmdoc with its "
        "`notebooks` extra, "
        "which brings TensorFlow and Matplotlib:\n"
        "\n"
        "```bash\n"
        f'python -m pip install "{requirement}"\n'
        "```",
        id="requirements",
    )


def runnable_notebook(
    notebook: nbformat.NotebookNode, glued: dict[str, Any], requirement: str
) -> str:
    """Return the notebook without its glue, with the glued values in its text.

    Its first cell is :func:`requirements_cell` of ``requirement``.
    Raises ValueError, from ``_without_glue``, for a cell whose glue cannot be removed.
    """

    def paste(match: re.Match[str]) -> str:
        key, fmt_spec = match.group(1), match.group(2) or ""
        if key not in glued or "text/plain" not in glued[key].get("data", {}):
            return match.group(0)
        return format_plain_text(glued[key]["data"]["text/plain"], fmt_spec)

    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = _without_glue(cell.source)
            if not cell.source:  # a hidden cell that only glued
                continue
            if "remove-cell" in cell.metadata.get("tags", []):
                cell.outputs = []  # the glued values, which the page shows as text
        if cell.cell_type == "markdown":
            cell.source = _GLUE_ROLE.sub(paste, cell.source)
        cells.append(cell)
    notebook.cells = [requirements_cell(requirement), *cells]
    return nbformat.writes(notebook)


def _rewrite_download(
    app: Any, pagename: str, _templatename: str, context: dict[str, Any], _doctree: Any
) -> None:
    if not context.get("ipynb_source"):  # not an executed page
        return
    executed = Path(app.outdir).parent / "jupyter_execute"
    glue_file = executed / f"{pagename}.glue.json"
    glued = json.loads(glue_file.read_text(encoding="utf-8")) if glue_file.is_file() else {}
    notebook = nbformat.read(executed / f"{pagename}.ipynb", as_version=4)
    if not any(cell.get("outputs") for cell in notebook.cells):
        # MyST-NB (1.4) writes a page taken from its execution cache without the
        # cached outputs: take them from the cache, as the page did.
        cache = get_cache(app.config.nb_execution_cache_path)
        _, notebook = cache.merge_match_into_notebook(notebook)
    download = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    try:
        requirement = app.config.lstmdoc_notebook_requirement
        download.write_text(runnable_notebook(notebook, glued, requirement), encoding="utf-8")
    except ValueError as error:  # a warning names the page, and fails the strict build
        logger.warning("its downloadable notebook would not run: %s", error, location=pagename)


def _launch_the_notebooks(
    app: Any, pagename: str, _templatename: str, context: dict[str, Any], _doctree: Any
) -> None:
    """Point the Binder and Colab buttons at the published .ipynb, not the .md source."""
    source = f"{app.config.html_theme_options.get('path_to_docs', 'docs')}/{pagename}"
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group["buttons"]:
            if button.get("type") == "link":
                button["url"] = button["url"].replace(f"{source}.md", f"{source}.ipynb")


def _write_requirements(app: Any, exception: Exception | None) -> None:
    """Write the notebooks' requirement where the publishing workflow and Binder read it."""
    if exception is None and app.builder.format == "html":
        sources = Path(app.outdir) / "_sources"
        sources.mkdir(exist_ok=True)
        requirement = app.config.lstmdoc_notebook_requirement
        (sources / "requirements.txt").write_text(f"{requirement}\n", encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    """Run after sphinx-book-theme (priority 501) has copied each notebook and made its buttons."""
    # What a reader installs to run a downloaded notebook; conf.py sets it.
    app.add_config_value("lstmdoc_notebook_requirement", "lstmdoc[notebooks]", "html")
    app.connect("html-page-context", _rewrite_download, priority=600)
    app.connect("html-page-context", _launch_the_notebooks, priority=600)
    app.connect("build-finished", _write_requirements)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
