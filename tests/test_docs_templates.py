"""Tests that the site's template overrides still fit the installed theme.

pydata-sphinx-theme offers no option to leave out ``fontawesome.js`` or its script
preloads: its ``static/webpack-macros.html`` writes them into every page, and its
``layout.html`` loads Sphinx's search scripts on every page. So the site overrides
both (docs/_templates/). An override silently keeps the old markup when the theme
changes its own; these tests compare the overrides with the installed theme's
files, and fail, saying what to re-check, when the theme's change.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pydata_sphinx_theme

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "docs" / "_templates"
THEME = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"

# What the theme's three asset macros wrote when the override was made
# (pydata-sphinx-theme 0.16 to 0.20): (element, how it loads, what it loads).
THEME_ASSETS = {
    "head_pre_assets": [
        ("link", "stylesheet", "_static/styles/theme.css"),
        ("link", "stylesheet", "_static/styles/pydata-sphinx-theme.css"),
    ],
    "head_js_preload": [
        ("script", "defer", "_static/scripts/fontawesome.js"),
        ("link", "preload", "_static/scripts/bootstrap.js"),
        ("link", "preload", "_static/scripts/pydata-sphinx-theme.js"),
    ],
    "body_post": [
        ("script", "defer", "_static/scripts/bootstrap.js"),
        ("script", "defer", "_static/scripts/pydata-sphinx-theme.js"),
    ],
}
RECHECK = (
    "pydata-sphinx-theme's static/webpack-macros.html has changed: re-check "
    "docs/_templates/static/webpack-macros.html against it (does every page still load "
    "the theme's stylesheets and scripts, and still not fontawesome.js?), then update "
    "THEME_ASSETS here. Found: {found}"
)


class _Assets(HTMLParser):
    """The stylesheets and scripts that a piece of HTML loads, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        address = (attributes.get("href") or attributes.get("src") or "").split("?")[0]
        if tag == "link":
            self.assets.append((tag, attributes.get("rel") or "", address))
        elif tag == "script":
            self.assets.append((tag, "defer" if "defer" in attributes else "blocking", address))


def _macro_assets(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Each macro of the template file, rendered, as the assets it loads."""
    environment = jinja2.Environment(autoescape=True)
    module = environment.from_string(path.read_text(encoding="utf-8")).make_module(
        {"pathto": lambda name, _resource=0: name}
    )
    assets = {}
    for name in ("head_pre_assets", "head_js_preload", "body_post"):
        parser = _Assets()
        parser.feed(str(getattr(module, name)()))
        assets[name] = parser.assets
    return assets


def _macros_defined(path: Path) -> set[str]:
    return set(re.findall(r"\{%-?\s*macro\s+(\w+)", path.read_text(encoding="utf-8")))


class TestAssetMacros:
    def test_the_theme_loads_what_the_override_was_written_against(self):
        """The installed theme's asset macros load exactly the assets recorded here."""
        theme_macros = THEME / "static" / "webpack-macros.html"
        found = _macro_assets(theme_macros)
        assert found == THEME_ASSETS, RECHECK.format(found=found)
        assert _macros_defined(theme_macros) == set(THEME_ASSETS), RECHECK.format(
            found=_macros_defined(theme_macros)
        )

    def test_the_override_defines_every_macro_the_theme_calls(self):
        """layout.html calls each macro the override defines, and no other."""
        layout = (THEME / "layout.html").read_text(encoding="utf-8")
        called = set(re.findall(r"_webpack\.(\w+)\(", layout))
        assert called == _macros_defined(TEMPLATES / "static" / "webpack-macros.html")

    def test_the_override_loads_the_same_less_fontawesome_and_preloads(self):
        """The override loads the theme's stylesheets and scripts, but not fontawesome.js.

        theme.css only imports basic.css, so the override links basic.css itself.
        """
        theme_css = (THEME / "static" / "styles" / "theme.css").read_text(encoding="utf-8")
        assert re.findall(r"@import[^;]*;", theme_css) == ['@import "../basic.css";']
        assert re.sub(r"/\*.*?\*/|@import[^;]*;", "", theme_css, flags=re.DOTALL).strip() == ""
        basic = ("link", "stylesheet", "_static/basic.css")
        expected = {
            name: [
                basic if asset[2].endswith("/theme.css") else asset
                for asset in assets
                if asset[1] != "preload" and not asset[2].endswith("fontawesome.js")
            ]
            for name, assets in THEME_ASSETS.items()
        }
        assert _macro_assets(TEMPLATES / "static" / "webpack-macros.html") == expected


class TestLayout:
    def test_extrahead_is_the_theme_s_less_its_search_scripts(self):
        """The override's extrahead block is the theme's, less the search scripts part."""

        def block(path: Path) -> str:
            text = path.read_text(encoding="utf-8")
            found = re.search(
                r"\{%-? block extrahead %\}(.*?)\{%-? endblock extrahead %\}", text, re.DOTALL
            )
            assert found, f"no extrahead block in {path}"
            return found.group(1)

        theme = block(THEME / "layout.html")
        before_search, search = theme.split("{% if pagename == 'search' %}", 1)
        assert "searchtools.js" in search, (
            "pydata-sphinx-theme's layout.html has changed its extrahead block: re-check "
            "docs/_templates/layout.html against it"
        )
        ours = block(TEMPLATES / "layout.html")
        assert ours.split() == before_search.split(), (
            "pydata-sphinx-theme's layout.html has changed its extrahead block: re-check "
            "docs/_templates/layout.html against it"
        )
