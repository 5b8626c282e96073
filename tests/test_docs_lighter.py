"""Tests of how the site is made lighter: stylesheet pruning and icon font subsetting.

The functions live with the Sphinx extension that uses them, in docs/_ext. Each
stylesheet here is small enough that what must stay, and what may go, is read off
by hand.
"""

from __future__ import annotations

import importlib
import re
import stat
import sys
from pathlib import Path

import myst_nb
import pydata_sphinx_theme
import pytest
import sphinx
import sphinx_book_theme
import sphinx_copybutton
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # where conf.py finds them too
stylesheets = importlib.import_module("stylesheets")
icon_font = importlib.import_module("icon_font")

SEARCH, ARROW_UP = "\uf002", "\uf062"  # two of Font Awesome's icons, by their characters


class TestPrunedStylesheet:
    def test_keeps_rules_whose_classes_are_all_used(self):
        """A rule stays when every class it names is used, and goes otherwise."""
        css = ".used{color:red}.unused{color:blue}.used .unused{margin:0}p{margin:1px}"
        assert stylesheets.pruned_stylesheet(css, {"used"}) == ".used{color:red}p{margin:1px}"

    def test_keeps_the_selectors_of_a_list_that_are_used(self):
        """From a selector list, only the selectors naming unused classes go."""
        css = ".a,.b,.a>.c{color:red}"
        assert stylesheets.pruned_stylesheet(css, {"a"}) == ".a{color:red}"

    def test_ignores_classes_inside_negations_and_attribute_tests(self):
        """A class only inside :not() or [...] need not be used for its rule to match."""
        css = '.a:not(.gone){x:1}.a[data-x=".gone"]{y:2}.a:is(.b .gone){z:3}'
        assert stylesheets.pruned_stylesheet(css, {"a"}) == css

    def test_strings_are_written_back_as_printable_ascii(self):
        """A kept string says the same, in double quotes, its icon characters still escaped."""
        css = '.a:before{content:\'\\f002\'}.b:after{content:"it\'s \\"\\2014\\" \\201c a"}'
        assert stylesheets.pruned_stylesheet(css, {"a", "b"}) == (
            '.a:before{content:"\\f002"}.b:after{content:"it\'s \\"\\2014\\" \\201c a"}'
        )
        assert stylesheets.characters_in_strings(css) >= {SEARCH, "\u2014", "\u201c"}

    def test_prunes_inside_media_queries_and_drops_empty_ones(self):
        """A media query keeps its used rules, and goes when none is left."""
        css = "@media (min-width:1px){.a{x:1}.b{y:2}}@media print{.b{z:3}}"
        assert stylesheets.pruned_stylesheet(css, {"a"}) == "@media (min-width:1px){.a{x:1}}"

    def test_comments_are_kept_and_their_commas_and_braces_are_text(self):
        """A comma or brace inside a comment or string splits no selector and opens no block."""
        css = '/* spacing, borders { */\n.gone,.a{x:1}.a[title="{,}"]{content:"}"}/*, */.b{y:2}'
        assert stylesheets.pruned_stylesheet(css, {"a"}) == (
            '/* spacing, borders { */.a{x:1}.a[title="{,}"]{content:"}"}/*, */'
        )

    def test_keeps_other_at_rules_whole(self):
        """@font-face and @keyframes name no classes and are kept as they are."""
        css = "@font-face{font-family:x;src:url(x.woff2)}@keyframes spin{0%{x:1}to{x:2}}"
        assert stylesheets.pruned_stylesheet(css, set()) == css


# Where the scripts that a built site's _static holds come from: Sphinx, the themes,
# the extensions, and the site's own.
SCRIPT_FOLDERS = [
    Path(sphinx.__file__).parent / "themes" / "basic" / "static",
    Path(pydata_sphinx_theme.__file__).parent / "theme",
    Path(sphinx_book_theme.__file__).parent / "theme",
    Path(sphinx_copybutton.__file__).parent / "_static",
    Path(myst_nb.__file__).parent / "static",
    ROOT / "docs" / "_static",
]
# Where a script gives an element a class: classList.add/toggle/replace(...), className =
# or += ..., setAttribute("class", ...).
_CLASS_SETTER = re.compile(
    r"classList\.(?:add|toggle|replace)\(|\.className\s*\+?=|setAttribute\(\s*[\"']class[\"']\s*,"
)
_TEMPLATE = re.compile(r"`(?:[^`\\]|\\.)*`")


def shipped_scripts() -> dict[str, str]:
    """The text of every script the site can ship, by its path."""
    return {
        str(path): path.read_text(encoding="utf-8")
        for folder in SCRIPT_FOLDERS
        for path in sorted(folder.rglob("*.js*"))
        if path.suffix in {".js", ".js_t"} and path.name != "fontawesome.js"
    }


def _given(script: str, start: int) -> str:
    """What a class setter starting at ``start`` is given: its call's arguments, or the
    assigned expression up to the end of its statement."""
    if script[start - 1] != "(":
        return re.split(r"[;\n}]", script[start:], maxsplit=1)[0]
    depth = 1
    for index in range(start, len(script)):
        depth += {"(": 1, ")": -1}.get(script[index], 0)
        if depth == 0:
            return script[start:index]
    return script[start:]


def built_class_names(script: str) -> set[str]:
    """The expressions with which a script builds a class name from parts.

    A template literal with a ``${...}``, or strings joined with ``+``, given to a class
    setter: the whole name is in no file for the pruner to find.
    """
    built = set()
    for setter in _CLASS_SETTER.finditer(script):
        given = _given(script, setter.end())
        built |= {literal for literal in _TEMPLATE.findall(given) if "${" in literal}
        if re.search(r"[\"'`]\s*\+|\+\s*[\"'`]", given):
            built.add(given.strip())
    return built


class TestBuiltAtRunTime:
    def test_every_class_name_a_script_builds_is_listed(self):
        """Each way a shipped script builds a class name from parts is in BUILT_AT_RUN_TIME.

        When a theme or Sphinx adds one, find the names it can build, and list them next
        to the pruner (docs/_ext/stylesheets.py): their rules are dropped until then.
        """
        found = {
            expression: path
            for path, script in shipped_scripts().items()
            for expression in built_class_names(script)
        }
        assert set(found) - set(stylesheets.BUILT_AT_RUN_TIME) == set(), found

    def test_every_listed_expression_is_still_in_a_script(self):
        """No entry of the list outlives the script that needed it."""
        scripts = "\n".join(shipped_scripts().values())
        assert [e for e in stylesheets.BUILT_AT_RUN_TIME if e not in scripts] == []

    def test_each_listed_name_is_one_its_expression_builds(self):
        """Every name listed is what its expression gives with some value in each ${...}."""
        for expression, names in stylesheets.BUILT_AT_RUN_TIME.items():
            parts = re.split(r"\$\{[^}]*\}", expression.strip("`"))
            pattern = r"[\w-]+".join(map(re.escape, parts))
            assert [name for name in names if not re.fullmatch(pattern, name)] == []

    def test_the_finder_finds_templates_and_joined_strings(self):
        """Template literals and + joins given to a class setter are found; plain names not."""
        script = (
            "e.classList.add(`bs-${this.constructor.NAME}-auto`);e.classList.add('show');"
            'el.className = "tip-" + side;el.classList.toggle(open ? "a" : "b", x)'
        )
        assert built_class_names(script) == {
            "`bs-${this.constructor.NAME}-auto`",
            '"tip-" + side',
        }

    def test_their_rules_survive_pruning(self):
        """A rule for a tooltip's bs-tooltip-auto stays, though no page or script names it."""
        css = (
            ".tooltip{z:1}.bs-tooltip-auto[data-popper-placement^=top] .tooltip-arrow{x:1}"
            ".bs-tooltip-top .tooltip-arrow{y:2}"
        )
        used = stylesheets.class_names_used(['<div class="tooltip"><i class="tooltip-arrow">'])
        assert stylesheets.pruned_stylesheet(css, used) == (
            ".tooltip{z:1}.bs-tooltip-auto[data-popper-placement^=top] .tooltip-arrow{x:1}"
        )

    def test_the_theme_styles_tooltips_by_a_name_built_at_run_time(self):
        """The theme's stylesheet has rules for bs-tooltip-auto, which the list keeps."""
        theme = Path(pydata_sphinx_theme.__file__).parent / "theme"
        (stylesheet,) = theme.rglob("pydata-sphinx-theme.css")
        assert ".bs-tooltip-auto[data-popper-placement" in stylesheet.read_text(encoding="utf-8")


class TestIcons:
    def test_icons_named_in_finds_class_names(self):
        """Icon class names are found in pages and scripts, whatever surrounds them."""
        texts = ['<i class="fa-solid fa-magnifying-glass">', "toggle('fa-sun')"]
        assert stylesheets.icons_named_in(texts) == {"fa-solid", "fa-magnifying-glass", "fa-sun"}

    def test_without_unused_icons_drops_the_rules_of_icons_nobody_names(self):
        """An icon's rule stays if any of its names is used."""
        css = '.fa-search,.fa-magnifying-glass{--fa:"\\f002"}.fa-moon{--fa:"\\f186"}'
        kept = stylesheets.without_unused_icons(css, {"fa-magnifying-glass"})
        assert kept == '.fa-search,.fa-magnifying-glass{--fa:"\\f002"}'


class TestCustomProperties:
    def test_a_property_is_used_when_var_reads_it_or_a_text_names_it(self):
        """var() in any stylesheet, or the name in a page or script, counts as a use."""
        used = stylesheets.custom_properties_used(
            [".a{color:var(--colour, var(--fallback))}"],
            ['<div style="--width: 3px">', "style.setProperty('--height', 1)"],
        )
        assert used == {"--colour", "--fallback", "--width", "--height"}

    def test_unused_declarations_go_and_the_others_stay(self):
        """Only the unused custom properties go; ordinary declarations are untouched."""
        css = ":root{--used:1px;--unused:2px;color:red}.a{margin:var(--used)}"
        kept = stylesheets.without_unused_custom_properties(css, {"--used"})
        assert kept == ":root{--used:1px;color:red}.a{margin:var(--used)}"

    def test_a_rule_of_unused_properties_only_goes(self):
        """A rule left with no declaration goes; so does a media query left empty."""
        css = "@media print{:root{--unused:1px}}.a{x:1}"
        assert stylesheets.without_unused_custom_properties(css, set()) == ".a{x:1}"

    def test_semicolons_inside_strings_and_functions_do_not_split(self):
        """A declaration's value may hold ';' in a string or url(); it stays whole."""
        css = '.a{--unused:";";content:"a;b";background:url(data:x;base64,AA)}'
        kept = stylesheets.without_unused_custom_properties(css, set())
        assert kept == '.a{content:"a;b";background:url(data:x;base64,AA)}'


class TestKeyframes:
    def test_animations_named_by_an_animation_declaration_are_used(self):
        """animation and animation-name declarations, pages and scripts name animations."""
        used = stylesheets.animations_used(
            [".a{animation:spin 1s infinite}.b{animation-name:fade}"], ["el.classList.add('x')"]
        )
        assert {"spin", "fade"} <= used
        assert "bounce" not in used

    def test_unused_keyframes_go(self):
        """Keyframes nobody runs go, and a media query left empty; the others stay."""
        css = (
            "@keyframes spin{to{x:1}}@keyframes bounce{to{x:2}}"
            "@media (prefers-reduced-motion:no-preference){@keyframes shake{to{x:3}}}.a{y:1}"
        )
        kept = stylesheets.without_unused_keyframes(css, {"spin"})
        assert kept == "@keyframes spin{to{x:1}}.a{y:1}"


class TestCharactersInStrings:
    def test_escapes_are_resolved_and_end_at_one_space(self):
        """\\f002 is U+F002; the space that may end an escape is not a character."""
        css = '.a:before{content:"\\f002"}.b{--fa:"\\f062 x"}.c{font-family:"Font"}'
        characters = stylesheets.characters_in_strings(css)
        assert {SEARCH, ARROW_UP, "x"} <= characters
        assert " " not in characters

    def test_literal_characters_count_too(self):
        """A character written as itself in a string is found as well."""
        assert SEARCH in stylesheets.characters_in_strings(f".a:before{{content:'{SEARCH}'}}")


class TestSubsetFont:
    @pytest.fixture
    def font(self, tmp_path: Path) -> Path:
        """A copy of the theme's Font Awesome solid font."""
        package = Path(pydata_sphinx_theme.__file__).parent
        original = next(package.rglob("fa-solid-900.woff2"))
        copy = tmp_path / original.name
        copy.write_bytes(original.read_bytes())
        copy.chmod(0o644)
        return copy

    def test_keeps_exactly_the_glyphs_asked_for(self, font):
        """The subset maps the two icons' characters, and no other; it is far smaller."""
        with TTFont(font) as full:
            assert {ord(SEARCH), ord(ARROW_UP)} < set(full.getBestCmap())
        before, after = icon_font.subset_font(font, {SEARCH, ARROW_UP})
        with TTFont(font) as subset:
            assert set(subset.getBestCmap()) == {ord(SEARCH), ord(ARROW_UP)}
            assert subset.flavor == "woff2"
        assert after == font.stat().st_size
        assert after < before / 10

    def test_keeps_the_names_licence_and_file_mode(self, font):
        """The family name and licence survive, and the file stays readable by a web server."""
        with TTFont(font) as full:
            names = {record.nameID: record.toUnicode() for record in full["name"].names}
        icon_font.subset_font(font, {SEARCH})
        with TTFont(font) as subset:
            kept = {record.nameID: record.toUnicode() for record in subset["name"].names}
        assert kept[1] == names[1]  # the family
        assert kept.get(13) == names.get(13)  # the licence
        assert stat.S_IMODE(font.stat().st_mode) == 0o644
        assert list(font.parent.iterdir()) == [font]  # no temporary file left behind
