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
# ones, which style nothing), as [selector path, {property: value}].
_COMPUTED = """(root) => {
    const path = (element) => {
        const parts = [];
        for (let up = element; up && up !== document.documentElement; up = up.parentElement) {
            const index = Array.from(up.parentElement.children).indexOf(up);
            parts.unshift(`${up.tagName.toLowerCase()}:${index}`);
        }
        return parts.join(">");
    };
    const elements = [root, ...root.querySelectorAll("*")];
    return elements.map((element) => {
        const style = getComputedStyle(element);
        const values = {};
        for (const name of style) {
            if (!name.startsWith("--")) values[name] = style.getPropertyValue(name);
        }
        return [path(element), values];
    });
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


def _styles(browser, base_url: str, path: str, show: Callable[[Page], str]) -> list[Any]:
    """Computed styles of what ``show`` returns a selector of, pruned and unpruned."""
    found = []
    for unpruned in (False, True):
        context, page, visit = _open(browser, base_url, path, unpruned=unpruned)
        selector = show(page)
        found.append(page.locator(selector).first.evaluate(_COMPUTED))
        context.close()
        assert visit.problems() == {}
    return found


def _differences(pruned: list[Any], unpruned: list[Any]) -> list[str]:
    """Each element and property styled otherwise by the pruned stylesheets (first 20)."""
    assert [where for where, _ in pruned] == [where for where, _ in unpruned]
    return [
        f"{where} {name}: {value!r}, unpruned {original[name]!r}"
        for (where, values), (_, original) in zip(pruned, unpruned, strict=True)
        for name, value in values.items()
        if original.get(name) != value
    ][:20]


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
    pruned, unpruned = _styles(browser, base_url, path, _the_whole_page)
    assert _differences(pruned, unpruned) == []


def test_the_search_button_s_tooltip_is_styled_as_by_the_unpruned_stylesheets(browser, base_url):
    """The shown tooltip, its arrow and text, have the style the theme's stylesheet gives.

    Its placement's rules are .bs-tooltip-auto[data-popper-placement^=...]: pruned,
    the arrow would lose its position and the tooltip its padding.
    """
    pruned, unpruned = _styles(browser, base_url, "index.html", _the_search_button_s_tooltip)
    assert len(pruned) >= 3  # the tooltip, its arrow and its text
    assert _differences(pruned, unpruned) == []
