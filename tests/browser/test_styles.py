"""The pruned stylesheets style every element as the themes' own stylesheets do.

The build prunes the themes' stylesheets to the rules the site can use
(docs/_ext/lighter.py) and keeps the originals beside the site, in
``docs/_build/unpruned``. Here each page opens twice, once as built and once with the
original stylesheets served in place of the pruned ones, and every element's computed
style must be the same in both. Styles that scripts switch on are compared too, in the
state that shows them: the search button's tooltip, whose class (``bs-tooltip-auto``)
bootstrap.js builds from parts, so that no file names it whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Route

from tests.browser.conftest import SITE, Visit, open_context

UNPRUNED = SITE.parent / "unpruned"
# The pages whose every element is compared: the home page (the calculator, the launch
# and download buttons) and pages with notebook outputs, tables, figures and the API.
PAGES = ["index.html", "explanation/parameter-count.html", "reference/api.html", "search.html"]
# Every element's computed style, less custom properties (the pruning drops the unread
# ones, which style nothing): with no argument, [path, hash of its style] for each
# element under root (a page's thousands of styles are too many to send whole); given
# paths, {path: {property: value}} of those elements alone.
_COMPUTED = """(root, wanted) => {
    const path = (element) => {
        const parts = [];
        for (let up = element; up && up !== document.documentElement; up = up.parentElement) {
            const index = Array.from(up.parentElement.children).indexOf(up);
            parts.unshift(`${up.tagName.toLowerCase()}:${index}`);
        }
        return parts.join(">");
    };
    const values = (element) => {
        const style = getComputedStyle(element);
        const found = {};
        for (const name of style) {
            if (!name.startsWith("--")) found[name] = style.getPropertyValue(name);
        }
        return found;
    };
    const hash = (text) => {  // FNV-1a, 32 bits
        let h = 0x811c9dc5;
        for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
        return h >>> 0;
    };
    const elements = [root, ...root.querySelectorAll("*")];
    if (wanted) {
        return Object.fromEntries(elements
            .filter((element) => wanted.includes(path(element)))
            .map((element) => [path(element), values(element)]));
    }
    return elements.map((element) => [path(element), hash(JSON.stringify(values(element)))]);
}"""


def _serve_unpruned(route: Route) -> None:
    """Answer a request for a pruned stylesheet with the file as the theme shipped it."""
    path = route.request.url.split("?")[0].split("/_static/", 1)[1]
    route.fulfill(path=UNPRUNED / "_static" / path, content_type="text/css")


def _open(browser, base_url: str, path: str, *, unpruned: bool) -> tuple[Any, Page, Visit]:
    """The page in a fresh context, with the pruned or the original stylesheets."""
    visit = Visit()
    # Reduced motion: Bootstrap then shows a tooltip at once, with no fade in between.
    context = open_context(browser, base_url, visit, color_scheme="light", reduced_motion="reduce")
    if unpruned:
        for pruned in UNPRUNED.rglob("*.css"):
            name = pruned.relative_to(UNPRUNED).as_posix()
            context.route(f"**/{name}*", _serve_unpruned)
    page = context.new_page()
    page.goto(base_url + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    return context, page, visit


def _differences(browser, base_url: str, path: str, show: Callable[[Page], str]) -> list[str]:
    """Each property of an element under ``show``'s selector that pruning styles otherwise.

    Returns the first differences found, with both values, or [] when every element has
    the same computed style with the pruned and with the original stylesheets.
    """
    opened = [_open(browser, base_url, path, unpruned=unpruned) for unpruned in (False, True)]
    roots = [page.locator(show(page)).first for _, page, _ in opened]
    pruned, unpruned = (root.evaluate(_COMPUTED, None) for root in roots)
    assert [where for where, _ in pruned] == [where for where, _ in unpruned]
    assert len(pruned) >= 3
    differing = [where for (where, a), (_, b) in zip(pruned, unpruned, strict=True) if a != b]
    details = [root.evaluate(_COMPUTED, differing[:5]) for root in roots]
    for context, _, visit in opened:
        context.close()
        assert visit.problems() == {}
    return [
        f"{where} {name}: {value!r}, unpruned {details[1][where].get(name)!r}"
        for where in differing[:5]
        for name, value in details[0][where].items()
        if details[1][where].get(name) != value
    ]


def _the_whole_page(page: Page) -> str:
    return "body"


def _the_search_button_s_tooltip(page: Page) -> str:
    """Hover the search button until Bootstrap shows its tooltip; the tooltip's selector."""
    page.hover(".search-button-field")
    tooltip = page.locator(".tooltip.show")
    tooltip.wait_for(state="visible")
    assert "bs-tooltip-auto" in (tooltip.get_attribute("class") or "")
    assert tooltip.get_attribute("data-popper-placement")
    return ".tooltip.show"


@pytest.mark.parametrize("path", PAGES)
def test_every_element_is_styled_as_by_the_unpruned_stylesheets(browser, base_url, path):
    """Each element of the page has the computed style the original stylesheets give it."""
    assert _differences(browser, base_url, path, _the_whole_page) == []


def test_the_search_button_s_tooltip_is_styled_as_by_the_unpruned_stylesheets(browser, base_url):
    """The shown tooltip, its arrow and text, have the style the theme's stylesheet gives.

    Its placement's rules are .bs-tooltip-auto[data-popper-placement^=...]: pruned,
    the arrow would lose its position and the tooltip its padding.
    """
    assert _differences(browser, base_url, "index.html", _the_search_button_s_tooltip) == []
