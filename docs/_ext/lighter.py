"""Make every page lighter to load, without taking a feature from the reader.

- Scripts load with ``defer``: they run once the page is parsed, as they would on
  DOMContentLoaded, instead of holding back its first paint. Sphinx's
  ``documentation_options.js`` stays as it is: inline scripts of every page use it;
  so do the search page's scripts, which its inline script calls.
- The theme's stylesheet carries one rule per Font Awesome icon (about 2,000, 66 kB),
  for the dozen icons the site shows. After the build, the rules of icons named
  nowhere in the site's pages and scripts are dropped from the copy in ``_static``.
- Figures load lazily (``loading="lazy"``): a phone fetches the figures it scrolls
  to, not all of a page's figures before its first screen is complete.
- The theme's stylesheets (311 kB, all of Bootstrap among them) hold every page of
  the first paint back. After the build, the copies in ``_static`` keep a selector
  only if each class it names appears somewhere in the site: in a page, or as a
  word in a script (where the theme's and Bootstrap's scripts name the classes they
  add, such as ``show``). What is left is about a third.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)

# One icon's rule, as the theme's minified CSS writes it: .fa-x,.fa-y{--fa:"\f002"}
_ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+,?)+)\{--fa:"[^"]*"\}')
_ICON_NAME = re.compile(r"\bfa-[a-z0-9-]+")
_STYLESHEET = Path("_static") / "styles" / "pydata-sphinx-theme.css"
# The themes' stylesheets that are pruned to the classes the site uses; ours are not.
_PRUNED = ("styles/pydata-sphinx-theme.css", "styles/sphinx-book-theme.css")
_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_GROUPING_RULES = ("@media", "@supports", "@layer", "@container")


def _outside_brackets(selector: str) -> str:
    """The selector less [attribute] tests and the arguments of :is(), :not(), :has()...

    A class named only there need not be on the page for the selector to match.
    """
    while True:
        shorter = re.sub(r"\[[^\[\]]*\]|\([^()]*\)", "", selector)
        if shorter == selector:
            return selector
        selector = shorter


def _defer_scripts(
    _app: Any, pagename: str, _templatename: str, context: dict[str, Any], _doctree: Any
) -> None:
    if pagename == "search":  # its inline script calls doctools.js's _ready at once
        return
    scripts = []
    for shared in context.get("script_files", []):
        script, attributes = shared, shared.attributes
        if not (
            "body" in attributes
            or "async" in attributes
            or not script.filename
            or str(script.filename).endswith("documentation_options.js")
        ):
            # A copy: Sphinx shares these objects between pages.
            attributes = {**attributes, "defer": "defer"}
            script = type(shared)(shared.filename, priority=shared.priority, **attributes)
        scripts.append(script)
    context["script_files"] = scripts


_IMAGE = re.compile(r"<img (?![^>]*\bloading=)")


def _lazy_images(
    _app: Any, _pagename: str, _templatename: str, context: dict[str, Any], _doctree: Any
) -> None:
    if "body" in context:
        context["body"] = _IMAGE.sub('<img loading="lazy" decoding="async" ', context["body"])


def icons_named_in(texts: list[str]) -> set[str]:
    """The Font Awesome class names (``fa-...``) that appear anywhere in these texts."""
    return {name for text in texts for name in _ICON_NAME.findall(text)}


def without_unused_icons(css: str, used: set[str]) -> str:
    """Return the stylesheet less the rules of icons none of whose names is used."""

    def keep_if_used(match: re.Match[str]) -> str:
        names = set(match.group(1).replace(".", "").strip(",").split(","))
        return match.group(0) if names & used else ""

    return _ICON_RULE.sub(keep_if_used, css)


def _split_selectors(prelude: str) -> list[str]:
    """Split a selector list at its top-level commas, not those inside :is(...) or [...]."""
    selectors, depth, current = [], 0, ""
    for character in prelude:
        if character in "([":
            depth += 1
        elif character in ")]":
            depth -= 1
        if character == "," and depth == 0:
            selectors.append(current)
            current = ""
        else:
            current += character
    return [*selectors, current]


def pruned_stylesheet(css: str, words: set[str]) -> str:
    """Return the stylesheet less the selectors that name a class not among ``words``.

    A rule whose selectors all go goes too; grouping rules (@media, @supports...) are
    pruned inside, and other at-rules (@font-face, @keyframes...) are kept whole.
    """
    kept, index = [], 0
    while (opening := css.find("{", index)) >= 0:
        depth, closing = 0, opening
        for closing in range(opening, len(css)):
            depth += {"{": 1, "}": -1}.get(css[closing], 0)
            if depth == 0:
                break
        prelude, body = css[index:opening], css[opening + 1 : closing]
        head = prelude.strip()
        if head.startswith(_GROUPING_RULES):
            inner = pruned_stylesheet(body, words)
            if inner.strip():
                kept.append(f"{prelude}{{{inner}}}")
        elif head.startswith("@"):
            kept.append(f"{prelude}{{{body}}}")
        else:
            selectors = [
                selector
                for selector in _split_selectors(prelude)
                if set(_CLASS.findall(_outside_brackets(selector))) <= words
            ]
            if selectors:
                kept.append(f"{','.join(selectors)}{{{body}}}")
        index = closing + 1
    kept.append(css[index:])
    return "".join(kept)


def _trim_icon_rules(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    stylesheet = outdir / _STYLESHEET
    if not stylesheet.is_file():
        logger.warning("no %s to trim: has the theme renamed its stylesheet?", _STYLESHEET)
        return
    texts = [
        path.read_text(encoding="utf-8")
        for pattern in ("**/*.html", "_static/**/*.js")
        for path in outdir.glob(pattern)
        if path.name != "fontawesome.js"  # names every icon, and no page loads it
    ]
    css = stylesheet.read_text(encoding="utf-8")
    stylesheet.write_text(without_unused_icons(css, icons_named_in(texts)), encoding="utf-8")
    words = {word for text in texts for word in re.findall(r"[\w-]+", text)}
    for pattern in _PRUNED:
        for path in (outdir / "_static").glob(pattern):
            css = path.read_text(encoding="utf-8")
            path.write_text(pruned_stylesheet(css, words), encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    """Defer the scripts of every page; prune the stylesheets once the site is written."""
    app.connect("html-page-context", _defer_scripts)
    app.connect("html-page-context", _lazy_images)
    app.connect("build-finished", _trim_icon_rules)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
