"""Every page of the built site in a real browser: clean, offline, accessible, linked."""

from __future__ import annotations

import functools
import html.parser
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from fontTools.ttLib import TTFont

from tests.browser.conftest import NODE_MODULES, SITE, open_context, site_pages

PAGES = site_pages()
AXE = NODE_MODULES / "axe-core" / "axe.min.js"


def test_the_site_has_its_pages():
    """The built site has the home page, search and the content pages, so the checks below bite."""
    assert {"index.html", "search.html", "genindex.html"} <= set(PAGES)
    assert len(PAGES) >= 12, PAGES


class TestEveryPage:
    @pytest.mark.parametrize("path", PAGES)
    def test_loads_without_an_error_offline(self, page, base_url, visit, path):
        """The page loads with no console error, failed request, broken image or other host."""
        page.goto(base_url + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        broken = page.evaluate(
            """async () => {
                const images = Array.from(document.images);
                const loaded = await Promise.all(images.map((image) => {
                    image.loading = "eager";
                    return image.decode().then(() => image.naturalWidth > 0, () => false);
                }));
                return images.filter((_, index) => !loaded[index]).map((image) => image.src);
            }"""
        )
        assert broken == []
        assert visit.problems() == {}

    @pytest.mark.parametrize("path", PAGES)
    def test_draws_every_icon(self, page, base_url, visit, path):
        """Each theme icon is a glyph of the local icon font (no icon script is loaded).

        The build cuts the font down to the icons the stylesheets name; the browser
        says which character each icon draws, and fontTools whether the shipped font
        has a glyph for it.
        """
        page.goto(base_url + path, wait_until="load")
        icons = page.evaluate(
            """async () => {
                await document.fonts.ready;
                const icons = Array.from(document.querySelectorAll(
                    "i[class*='fa-'], span[class*='fa-']"));
                const drawn = [];
                for (const icon of icons) {
                    const before = getComputedStyle(icon, "::before");
                    if (before.content === "none" || before.content === "normal") {
                        return {missing: icon.className};
                    }
                    drawn.push({
                        name: icon.className,
                        content: before.content,
                        family: before.fontFamily,
                        weight: before.fontWeight,
                    });
                }
                await Promise.all(drawn.map(
                    (icon) => document.fonts.load(`${icon.weight} 16px ${icon.family}`)));
                return {
                    drawn,
                    loaded: document.fonts.check('900 16px "Font Awesome 7 Free"'),
                    scripts: Array.from(document.scripts).map((script) => script.src),
                };
            }"""
        )
        assert "missing" not in icons, icons
        assert icons["drawn"]
        assert icons["loaded"]
        assert not [src for src in icons["scripts"] if "fontawesome" in src]
        fonts = icon_fonts()
        for icon in icons["drawn"]:
            family = icon["family"].split(",")[0].strip("\"' ")
            # content: "\uf062" / ""  (the character, then its empty alternative text)
            drawn = re.match(r'"([^"]*)"', icon["content"])
            assert drawn, icon
            characters = drawn.group(1)
            assert len(characters) == 1, icon
            assert ord(characters) in fonts[family, icon["weight"]], icon
        assert visit.problems() == {}

    @pytest.mark.parametrize("scheme", ["light", "dark"])
    @pytest.mark.parametrize("path", PAGES)
    def test_has_no_accessibility_violation(self, browser, base_url, visit, path, scheme):
        """axe-core finds no violation, in light and in dark mode.

        The issue asks for none serious or critical; the site has none of any impact,
        the best practices included (the bare theme has a moderate one on every page:
        its site title is outside every landmark).
        """
        context = open_context(browser, base_url, visit, color_scheme=scheme)
        page = context.new_page()
        page.goto(base_url + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
                .map((violation) => ({
                    id: violation.id,
                    impact: violation.impact,
                    targets: violation.nodes.map((node) => node.target.join(" ")).slice(0, 5),
                }))"""
        )
        context.close()
        assert violations == []


class _Links(html.parser.HTMLParser):
    """Collect a page's link targets and the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name"):
            if values.get(name):
                self.ids.add(str(values[name]))
        attribute = {"a": "href", "link": "href", "img": "src", "script": "src"}.get(tag)
        if attribute and values.get(attribute):
            self.targets.append(str(values[attribute]))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


_FONT_FACE = re.compile(r"@font-face\s*\{([^}]*)\}")


@functools.cache
def icon_fonts() -> dict[tuple[str, str], set[int]]:
    """The characters each icon font of the site has a glyph for, by (family, weight)."""
    stylesheet = SITE / "_static" / "styles" / "pydata-sphinx-theme.css"
    fonts = {}
    for rule in _FONT_FACE.findall(stylesheet.read_text(encoding="utf-8")):
        declarations = [part.split(":", 1) for part in rule.split(";") if ":" in part]
        descriptors = {name.strip(): value.strip() for name, value in declarations}
        family = descriptors["font-family"].replace("\\", "").strip("\"' ")
        url = re.search(r"url\(([^)]+)\)", descriptors["src"])
        assert url, rule
        source = url.group(1).strip("\"'")
        with TTFont(stylesheet.parent / source) as font:
            fonts[family, descriptors["font-weight"]] = set(font.getBestCmap())
    return fonts


def test_every_internal_link_and_anchor_resolves():
    """Every link, image and script of every page names a file of the site and an id in it."""
    parsed = {path: _parse(SITE / path) for path in PAGES}
    broken = []
    checked = 0
    for path, links in parsed.items():
        for target in links.targets:
            url = urljoin(f"http://site/{path}", target)
            parts = urlsplit(url)
            if parts.netloc != "site":
                continue  # another host: a link out, not a request the page makes
            file = SITE / unquote(parts.path).lstrip("/")
            if file.is_dir():
                file = file / "index.html"
            checked += 1
            if not file.is_file():
                broken.append(f"{path}: {target} (no such file)")
            elif parts.fragment and file.suffix == ".html":
                ids = (
                    parsed[file.relative_to(SITE).as_posix()].ids
                    if file.relative_to(SITE).as_posix() in parsed
                    else _parse(file).ids
                )
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path}: {target} (no such anchor)")
    assert checked > 500
    assert broken == []


class TestSearch:
    def test_finds_the_derivation_of_recurrent_kernel_from_the_keyboard(
        self, page, base_url, visit
    ):
        """Ctrl+K, "recurrent_kernel" and Enter list the page that derives the count, offline."""
        page.goto(base_url + "index.html", wait_until="load")
        page.wait_for_load_state("networkidle")
        page.keyboard.press("Control+k")
        field = page.locator("dialog#pst-search-dialog input[name='q']")
        field.wait_for(state="visible")
        field.fill("recurrent_kernel")
        field.press("Enter")
        page.wait_for_url("**/search.html?q=recurrent_kernel*")
        # Sphinx lists the results one at a time, 5 ms apart, then writes its summary.
        page.locator("#search-results p.search-summary", has_text="Search finished").wait_for()
        results = page.locator("#search-results ul.search li a")
        hrefs = results.evaluate_all("(links) => links.map((link) => link.href)")
        assert any(
            href.split("#")[0].endswith("explanation/parameter-count.html") for href in hrefs
        )
        assert visit.problems() == {}
