"""Render the site's math as MathML at build time, so pages need no script or network.

Sphinx's default renderer, MathJax, is a script fetched from a CDN when a page is
opened: offline, a reader sees raw LaTeX. docutils ships a LaTeX-to-MathML
converter, and every current browser renders MathML natively. LaTeX that the
converter does not understand is a build warning (an error with ``-W``), naming
the page and line.
"""

from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from docutils.utils.math import latex2mathml
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _mathml(node: nodes.Element, *, block: bool) -> str:
    latex = node.astext()
    try:
        return str(latex2mathml.tex2mathml(latex, as_block=block))
    except SyntaxError as error:  # docutils reports LaTeX it cannot convert this way
        logger.warning("cannot render this math as MathML (%s): %s", error, latex, location=node)
        return f"<code>{html.escape(latex)}</code>"


def visit_math(translator: Any, node: nodes.Element) -> None:
    """Write inline math as a MathML element."""
    translator.body.append(_mathml(node, block=False))
    raise nodes.SkipNode


def visit_math_block(translator: Any, node: nodes.Element) -> None:
    """Write displayed math as a block MathML element in a scrollable container.

    The container is focusable, so that a reader without a mouse can scroll a
    formula wider than the screen with the arrow keys.
    """
    translator.body.append(
        f'<div class="math-block" tabindex="0">{_mathml(node, block=True)}</div>\n'
    )
    raise nodes.SkipNode


def setup(app: Any) -> dict[str, Any]:
    """Register the ``mathml`` renderer; select it with ``html_math_renderer = "mathml"``."""
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_math_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
