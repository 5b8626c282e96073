"""Make every page lighter to load, without taking a feature from the reader.

Lighthouse's phone on a slow network waits for every stylesheet, and for the
icon font, before it paints a page; the themes ship far more of both than this
site draws. So:

- Scripts load with ``defer``: they run once the page is parsed, as they would on
  DOMContentLoaded, instead of holding back its first paint. Sphinx's
  ``documentation_options.js`` stays as it is: inline scripts of every page use it;
  so do the search page's scripts, which its inline script calls.
- Figures load lazily (``loading="lazy"``): a phone fetches the figures it scrolls
  to, not all of a page's figures before its first screen is complete.
- Inline code is written as one text, not one ``<span class="pre">`` per word.
  Sphinx writes those spans for ``basic.css`` to keep each word on one line, which
  ``lstmdoc.css`` undoes so that a long call breaks on a phone instead of widening
  the page; all they add is weight, an eighth of the API reference's HTML.
- After the build, the copies of the themes', Sphinx's, Pygments' and MyST-NB's
  stylesheets in ``_static`` are pruned (see ``stylesheets.py``): a selector stays
  only if each class it names appears somewhere in the site, in a page or as a
  word in a script (the theme's and Bootstrap's scripts name the classes they add,
  such as ``show``), or is one that a script builds at run time from parts
  (``stylesheets.BUILT_AT_RUN_TIME``, such as a tooltip's ``bs-tooltip-auto``); so do
  the rules of the Font Awesome icons the site names, the custom properties something
  reads, and the animations something runs. The stylesheets as they were are kept
  beside the site, in ``_build/unpruned``, for tests/browser to compare styles with.
- The Font Awesome fonts keep only the glyphs the pruned stylesheets can draw
  (see ``icon_font.py``).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

from icon_font import subset_font  # docs/_ext/icon_font.py
from sphinx.util import logging
from stylesheets import (  # docs/_ext/stylesheets.py
    animations_used,
    characters_in_strings,
    class_names_used,
    custom_properties_used,
    icons_named_in,
    pruned_stylesheet,
    without_unused_custom_properties,
    without_unused_icons,
    without_unused_keyframes,
)

logger = logging.getLogger(__name__)

_FONTS = Path("_static") / "vendor" / "fontawesome" / "webfonts"
# The stylesheets pruned to what the site uses: the themes', Sphinx's, Pygments' and
# MyST-NB's (named after a hash of its content). Ours are written for this site.
_PRUNED = (
    "styles/pydata-sphinx-theme.css",
    "styles/sphinx-book-theme.css",
    "basic.css",
    "pygments.css",
    "mystnb.*.css",
)


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


_WORD_SPAN = re.compile(r'<span class="pre">([^<]*)</span>')


def _plain_literals(
    _app: Any, _pagename: str, _templatename: str, context: dict[str, Any], _doctree: Any
) -> None:
    for part in ("body", "toc"):  # the page, and its table of contents in the sidebar
        if isinstance(context.get(part), str):
            context[part] = _WORD_SPAN.sub(r"\1", context[part])


def _prune_static_files(app: Any, exception: Exception | None) -> None:
    """Prune the stylesheets in ``_static`` to what the pages use; subset the icon font."""
    if exception is not None or app.builder.format != "html" or not app.config.lighter_prune:
        return
    start = time.perf_counter()
    for message in prune_site(Path(app.outdir)):
        logger.warning(message)
    logger.info("lighter: pruned in %.2f s", time.perf_counter() - start)


def prune_site(outdir: Path) -> list[str]:
    """Prune the stylesheets of the site built in ``outdir`` and subset its icon fonts.

    Returns what went wrong, as messages; nothing when all went well.
    """
    static = outdir / "_static"
    theme_stylesheet = static / "styles" / "pydata-sphinx-theme.css"
    if not theme_stylesheet.is_file():
        return [f"no {theme_stylesheet} to prune: has the theme renamed it?"]
    texts = [
        path.read_text(encoding="utf-8")
        for pattern in ("**/*.html", "_static/**/*.js")
        for path in outdir.glob(pattern)
        if path.name != "fontawesome.js"  # names every icon, and no page loads it
    ]
    pruned = {path: path.read_text(encoding="utf-8") for p in _PRUNED for path in static.glob(p)}
    before = sum(len(css.encode()) for css in pruned.values())
    unpruned = outdir.parent / "unpruned"
    shutil.rmtree(unpruned, ignore_errors=True)
    for path, css in pruned.items():
        kept = unpruned / path.relative_to(outdir)
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(css, encoding="utf-8")
    pruned[theme_stylesheet] = without_unused_icons(pruned[theme_stylesheet], icons_named_in(texts))
    words = class_names_used(texts)
    pruned = {path: pruned_stylesheet(css, words) for path, css in pruned.items()}
    ours = [
        path.read_text(encoding="utf-8") for path in static.glob("**/*.css") if path not in pruned
    ]
    used = custom_properties_used([*pruned.values(), *ours], texts)
    while True:  # a property that only a dropped declaration read is dropped next time
        pruned = {path: without_unused_custom_properties(css, used) for path, css in pruned.items()}
        still_used = custom_properties_used([*pruned.values(), *ours], texts)
        if still_used == used:  # pruning with the same properties again changes nothing
            break
        used = still_used
    animations = animations_used([*pruned.values(), *ours], texts)
    pruned = {path: without_unused_keyframes(css, animations) for path, css in pruned.items()}
    for path, css in pruned.items():
        path.write_text(css, encoding="utf-8")
    after = sum(len(css.encode()) for css in pruned.values())
    logger.info("lighter: stylesheets pruned from %d to %d bytes", before, after)

    drawn = {
        character
        for css in [*pruned.values(), *ours]
        for character in characters_in_strings(css)
        if 0xE000 <= ord(character) <= 0xF8FF  # the private use area, where the icons are
    }
    fonts = sorted((outdir / _FONTS).glob("*.woff2"))
    if not drawn or not fonts:
        return ["no icon characters or fonts found to subset: has the theme changed?"]
    sizes = [subset_font(font, drawn) for font in fonts]
    logger.info(
        "lighter: %d icon fonts subset to %d characters, from %d to %d bytes",
        len(fonts),
        len(drawn),
        sum(size for size, _ in sizes),
        sum(size for _, size in sizes),
    )
    return []


def _forget_pruned_copies(app: Any) -> None:
    """Delete last build's pruned stylesheets, which MyST-NB would refuse to copy over."""
    if app.builder.format == "html":
        for pattern in _PRUNED:
            for path in (Path(app.outdir) / "_static").glob(pattern):
                path.unlink()


def setup(app: Any) -> dict[str, Any]:
    """Defer the scripts of every page; prune the stylesheets once the site is written."""
    # False (sphinx-build -D lighter_prune=0) builds the site with the stylesheets and
    # fonts as the themes ship them: what benchmarks/bench.py times the pruning against.
    app.add_config_value("lighter_prune", True, "")
    app.connect("builder-inited", _forget_pruned_copies)
    app.connect("html-page-context", _defer_scripts)
    app.connect("html-page-context", _lazy_images)
    app.connect("html-page-context", _plain_literals)
    # After the themes and MyST-NB have written their stylesheets (pydata-sphinx-theme
    # writes pygments.css, and MyST-NB its own, when the build finishes).
    app.connect("build-finished", _prune_static_files, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
