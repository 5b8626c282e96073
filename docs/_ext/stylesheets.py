"""Prune stylesheets to what a built site uses: classes, icons, custom properties, animations.

Plain text functions, with no Sphinx in them: ``lighter.py`` applies them to the
copies in ``_static`` once the site is written. They parse CSS only as far as
minified and hand-written stylesheets need (braces inside strings are not
expected), and never drop a rule that a page could match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_GROUPING_RULES = ("@media", "@supports", "@layer", "@container")
# One icon's rule, as the theme's minified CSS writes it: .fa-x,.fa-y{--fa:"\f002"}
_ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+,?)+)\{--fa:"[^"]*"\}')
_ICON_NAME = re.compile(r"\bfa-[a-z0-9-]+")
_VARIABLE_USE = re.compile(r"var\(\s*(--[\w-]+)")
_WORD = re.compile(r"[\w-]+")
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?")  # an escape ends at one optional space
_BLOCK_SYNTAX = re.compile(r"/\*|[\"'{}]")  # what can open or close a block, or hide braces
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_STRING = re.compile(r'"([^"\\]|\\.)*"|\'([^\'\\]|\\.)*\'')


def words_in(texts: list[str]) -> set[str]:
    """Every word (letters, digits, ``_`` and ``-``) of these texts: the names they may use."""
    return {word for text in texts for word in _WORD.findall(text)}


def icons_named_in(texts: list[str]) -> set[str]:
    """The Font Awesome class names (``fa-...``) that appear anywhere in these texts."""
    return {name for text in texts for name in _ICON_NAME.findall(text)}


def without_unused_icons(css: str, used: set[str]) -> str:
    """Return the stylesheet less the rules of icons none of whose names is used."""

    def keep_if_used(match: re.Match[str]) -> str:
        names = set(match.group(1).replace(".", "").strip(",").split(","))
        return match.group(0) if names & used else ""

    return _ICON_RULE.sub(keep_if_used, css)


def pruned_stylesheet(css: str, words: set[str]) -> str:
    """Return the stylesheet less the selectors that name a class not among ``words``.

    A rule whose selectors all go goes too; grouping rules (@media, @supports...) are
    pruned inside, and other at-rules (@font-face, @keyframes...) are kept whole.
    """

    def prune(prelude: str, body: str) -> str:
        selectors = [
            selector
            for selector in _split(prelude, ",")
            if set(_CLASS.findall(_outside_brackets(selector))) <= words
        ]
        return f"{','.join(selectors)}{{{body}}}" if selectors else ""

    return _map_rules(css, prune)


def custom_properties_used(stylesheets: list[str], texts: list[str]) -> set[str]:
    """The custom properties (``--name``) read by ``var()`` in a stylesheet, or named in a text.

    A page's inline style or a script may set or read a property by name, so any
    ``--name`` in ``texts`` (pages and scripts) counts as used.
    """
    used = {name for css in stylesheets for name in _VARIABLE_USE.findall(css)}
    return used | {word for word in words_in(texts) if word.startswith("--")}


def without_unused_custom_properties(css: str, used: set[str]) -> str:
    """Return the stylesheet less the declarations of custom properties not in ``used``.

    Dropping a declaration can leave another property unread: apply this until the
    stylesheets stop changing.
    """

    def prune(prelude: str, body: str) -> str:
        declarations = [
            declaration
            for declaration in _split(body, ";")
            if not (
                (name := declaration.split(":", 1)[0].strip()).startswith("--") and name not in used
            )
        ]
        kept = ";".join(declaration for declaration in declarations if declaration.strip())
        return f"{prelude}{{{kept}}}" if kept.strip() else ""

    return _map_rules(css, prune)


def without_unused_keyframes(css: str, used: set[str]) -> str:
    """Return the stylesheet less the ``@keyframes`` whose name is not among ``used``."""
    blocks, tail = _blocks(css)
    kept = []
    for prelude, body in blocks:
        head = _COMMENT.sub("", prelude).strip()
        if head.startswith("@keyframes") and head.removeprefix("@keyframes").strip() not in used:
            continue
        inner = without_unused_keyframes(body, used) if head.startswith(_GROUPING_RULES) else body
        if inner.strip():
            kept.append(f"{prelude}{{{inner}}}")
    return "".join(kept) + tail


def animations_used(stylesheets: list[str], texts: list[str]) -> set[str]:
    """The names that an ``animation`` declaration, a page or a script may refer to."""
    named = re.compile(r"animation(?:-name)?\s*:([^;}]*)")
    return words_in([value for css in stylesheets for value in named.findall(css)] + texts)


def characters_in_strings(css: str) -> set[str]:
    """The characters of every string in the stylesheet, with CSS escapes (``\\f002``) resolved.

    These are what ``content:`` can draw, such as an icon font's glyphs.
    """
    characters: set[str] = set()
    for match in _STRING.finditer(css):
        text = _ESCAPE.sub(lambda escape: chr(int(escape.group(1), 16)), match.group(0)[1:-1])
        characters.update(text)
    return characters


# --- helpers ------------------------------------------------------------------------


def _skip(css: str, index: int) -> int:
    """Where a comment or string starting at ``index`` ends; ``index`` if none starts there."""
    if css.startswith("/*", index):
        end = css.find("*/", index + 2)
        return len(css) if end < 0 else end + 2
    if css[index] in "\"'":
        end = index + 1
        while end < len(css) and css[end] != css[index]:
            end += 2 if css[end] == "\\" else 1
        return end + 1
    return index


def _outside_text(text: str, syntax: re.Pattern[str]) -> Iterator[int]:
    """The positions of ``syntax``'s matches that are outside comments and strings.

    ``syntax`` must also match what opens a comment or a string, so they are seen.
    """
    found = syntax.search(text)
    while found:
        index = found.start()
        after = _skip(text, index)
        if after == index:
            yield index
            after = index + 1
        found = syntax.search(text, after)


def _blocks(css: str) -> tuple[list[tuple[str, str]], str]:
    """Each top-level block as (prelude, body); and the text after the last block.

    Braces inside comments and strings are text, not blocks.
    """
    blocks, start, opening, depth = [], 0, 0, 0
    for index in _outside_text(css, _BLOCK_SYNTAX):
        if css[index] == "{":
            opening = index if depth == 0 else opening
            depth += 1
        elif depth > 0:  # a closing brace
            depth -= 1
            if depth == 0:
                blocks.append((css[start:opening], css[opening + 1 : index]))
                start = index + 1
    return blocks, css[start:]


def _map_rules(css: str, rewrite: Callable[[str, str], str]) -> str:
    """Rewrite each style rule, inside grouping rules too; keep other at-rules whole.

    The comments before a rule are kept as they are, whatever becomes of the rule.
    """
    blocks, tail = _blocks(css)
    kept = []
    for prelude, body in blocks:
        head = _COMMENT.sub("", prelude).strip()
        if head.startswith(_GROUPING_RULES):
            inner = _map_rules(body, rewrite)
            if inner.strip():
                kept.append(f"{prelude}{{{inner}}}")
        elif head.startswith("@"):
            kept.append(f"{prelude}{{{body}}}")
        else:
            comments = "".join(_COMMENT.findall(prelude))
            kept.append(comments + rewrite(_COMMENT.sub("", prelude), body))
    return "".join(kept) + tail


def _split(text: str, separator: str) -> list[str]:
    """Split at the separators outside brackets, parentheses, strings and comments."""
    syntax = re.compile(rf"/\*|[\"'()\[\]{re.escape(separator)}]")
    parts, depth, start = [], 0, 0
    for index in _outside_text(text, syntax):
        if text[index] in "([":
            depth += 1
        elif text[index] in ")]":
            depth -= 1
        elif text[index] == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    return [*parts, text[start:]]


def _outside_brackets(selector: str) -> str:
    """The selector less [attribute] tests and the arguments of :is(), :not(), :has()...

    A class named only there need not be on the page for the selector to match.
    """
    while True:
        shorter = re.sub(r"\[[^\[\]]*\]|\([^()]*\)", "", selector)
        if shorter == selector:
            return selector
        selector = shorter
