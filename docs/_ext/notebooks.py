"""Offer each executed page as a notebook a reader can run, and launch that notebook.

sphinx-book-theme copies MyST-NB's executed notebook of each page next to the page's
source (``_sources/<page>.ipynb``), where its download button links to it. As
written by MyST-NB, that notebook still holds the page's hidden cells, which only
pass numbers to the text with ``myst_nb.glue``, so it would need MyST-NB to run, and
its text would read ``{glue:text}`key```. Here the downloadable copy drops the cells
the page removes and writes each glued number into the text, as the page shows it:
it runs wherever lstmdoc is installed.

The theme's Binder and Colab buttons point at the page's ``.md`` source, which
neither opens as a notebook. .github/workflows/docs.yml publishes these same
notebooks on the repository's ``notebooks`` branch; the buttons open them there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
from myst_nb.core.variables import format_plain_text
from sphinx.util import logging

logger = logging.getLogger(__name__)

# {glue:text}`key:format`, {glue:}`key` and {glue}`key`, with an optional "page::" prefix.
_GLUE_ROLE = re.compile(r"\{glue(?::text|:)?\}`(?:[^`:]+::)?([^`:]+)(?::([^`]*))?`")


def runnable_notebook(notebook: nbformat.NotebookNode, glued: dict[str, Any]) -> str:
    """Return the notebook without its removed cells, with glued values in its text."""

    def paste(match: re.Match[str]) -> str:
        key, fmt_spec = match.group(1), match.group(2) or ""
        if key not in glued or "text/plain" not in glued[key].get("data", {}):
            return match.group(0)
        return format_plain_text(glued[key]["data"]["text/plain"], fmt_spec)

    cells = []
    for cell in notebook.cells:
        if "remove-cell" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "markdown":
            cell.source = _GLUE_ROLE.sub(paste, cell.source)
        cells.append(cell)
    notebook.cells = cells
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
    download = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    download.write_text(runnable_notebook(notebook, glued), encoding="utf-8")


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


def setup(app: Any) -> dict[str, Any]:
    """Run after sphinx-book-theme (priority 501) has copied each notebook and made its buttons."""
    app.connect("html-page-context", _rewrite_download, priority=600)
    app.connect("html-page-context", _launch_the_notebooks, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
