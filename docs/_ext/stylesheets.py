"""Prune stylesheets to what a built site uses: classes, icons, custom properties, animations.

Plain text functions, with no Sphinx in them: ``lighter.py`` applies them to the
copies in ``_static`` once the site is written. tinycss2 reads each stylesheet as a
browser does (CSS Syntax Level 3), so a brace or comma inside a comment, a string or
a function is never taken for structure. What is kept is written back token for
token, as it was; no rule that a page could match is dropped.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator

import tinycss2
from tinycss2 import ast

_GROUPING_RULES = {"media", "supports", "layer", "container"}
_ICON_NAME = re.compile(r"\bfa-[a-z0-9-]+")
_WORD = re.compile(r"[\w-]+")

# A rewrite of one style rule: given its selectors (prelude) and its declarations
# (content), the nodes to write in its place; an empty list drops it.
_Rewrite = Callable[[list[ast.Node], list[ast.Node]], list[ast.Node]]


#: The class names that the site's scripts build at run time from parts, so that no file
#: names them whole: each expression that builds one, as its script writes it, with every
#: name it can build. Their rules are kept as if a page named them. A theme whose scripts
#: build a name another way fails tests/test_docs_lighter.py until it is added here.
BUILT_AT_RUN_TIME: dict[str, set[str]] = {
    # Bootstrap's bootstrap.js (pydata-sphinx-theme's), on a tooltip's or popover's element
    # as it shows (the search button has a tooltip); Popper then sets its placement.
    "`bs-${this.constructor.NAME}-auto`": {"bs-tooltip-auto", "bs-popover-auto"},
    # Sphinx's searchtools.js, on each search result, by the kind of match.
    "`kind-${kind}`": {"kind-index", "kind-object", "kind-text", "kind-title"},
}


def class_names_used(texts: list[str]) -> set[str]:
    """The class names a site may use: every word of its pages and scripts, and those
    its scripts build at run time (:data:`BUILT_AT_RUN_TIME`).
    """
    return words_in(texts).union(*BUILT_AT_RUN_TIME.values())


def words_in(texts: list[str]) -> set[str]:
    """Every word (letters, digits, ``_`` and ``-``) of these texts: the names they may use."""
    return set().union(*map(_words_of, texts))


@functools.lru_cache(maxsize=1024)
def _words_of(text: str) -> frozenset[str]:
    # The pruning asks for the words of the same pages and scripts several times over.
    return frozenset(_WORD.findall(text))


def icons_named_in(texts: list[str]) -> set[str]:
    """The Font Awesome class names (``fa-...``) that appear anywhere in these texts."""
    return {name for text in texts for name in _ICON_NAME.findall(text)}


def without_unused_icons(css: str, used: set[str]) -> str:
    """Return the stylesheet less the rules of icons none of whose names is used.

    An icon's rule, as the theme writes it, names the icon's classes and sets its
    character alone: ``.fa-search,.fa-magnifying-glass{--fa:"\\f002"}``.
    """

    def prune(prelude: list[ast.Node], content: list[ast.Node]) -> list[ast.Node]:
        names = _icon_rule_names(prelude, content)
        return [] if names is not None and not names & used else _rule(prelude, content)

    return _map_rules(css, prune)


def pruned_stylesheet(css: str, words: set[str]) -> str:
    """Return the stylesheet less the selectors that name a class not among ``words``.

    A rule whose selectors all go goes too; grouping rules (@media, @supports...) are
    pruned inside, and other at-rules (@font-face, @keyframes...) are kept whole.
    A class named only inside a function (``:not(.x)``, ``:is(.x)``) or an attribute
    test need not be on the page for the selector to match, so it does not count.
    """

    def prune(prelude: list[ast.Node], content: list[ast.Node]) -> list[ast.Node]:
        selectors = [selector for selector in _split(prelude, ",") if _classes(selector) <= words]
        if not selectors:
            return []
        return _rule(_join(selectors, ","), content)

    return _map_rules(css, prune)


def custom_properties_used(stylesheets: list[str], texts: list[str]) -> set[str]:
    """The custom properties (``--name``) read by ``var()`` in a stylesheet, or named in a text.

    A page's inline style or a script may set or read a property by name, so any
    ``--name`` in ``texts`` (pages and scripts) counts as used.
    """
    used = set()
    for css in stylesheets:
        for token in _all_tokens(tinycss2.parse_component_value_list(css)):
            if isinstance(token, ast.FunctionBlock) and token.lower_name == "var":
                name = next(_significant(token.arguments), None)
                if isinstance(name, ast.IdentToken) and name.value.startswith("--"):
                    used.add(name.value)
    return used | {word for word in words_in(texts) if word.startswith("--")}


def without_unused_custom_properties(css: str, used: set[str]) -> str:
    """Return the stylesheet less the declarations of custom properties not in ``used``.

    Dropping a declaration can leave another property unread: apply this until the
    stylesheets stop changing.
    """

    def prune(prelude: list[ast.Node], content: list[ast.Node]) -> list[ast.Node]:
        declarations = [
            declaration
            for declaration in _split(content, ";")
            if tinycss2.serialize(declaration).strip()
            and not ((name := _declared_name(declaration)) and name not in used)
        ]
        return _rule(prelude, _join(declarations, ";")) if declarations else []

    return _map_rules(css, prune)


def without_unused_keyframes(css: str, used: set[str]) -> str:
    """Return the stylesheet less the ``@keyframes`` whose name is not among ``used``."""
    return tinycss2.serialize(_without_unused_keyframes(_parse_rules(css, top_level=True), used))


def animations_used(stylesheets: list[str], texts: list[str]) -> set[str]:
    """The names that an ``animation`` declaration, a page or a script may refer to."""
    values = [
        tinycss2.serialize(declaration.value)
        for css in stylesheets
        for declaration in _declarations(_parse_rules(css, top_level=True))
        if declaration.lower_name.endswith(("animation", "animation-name"))
    ]
    return words_in(values + texts)


def characters_in_strings(css: str) -> set[str]:
    """The characters of every string in the stylesheet, with CSS escapes (``\\f002``) resolved.

    These are what ``content:`` can draw, such as an icon font's glyphs.
    """
    return {
        character
        for token in _all_tokens(tinycss2.parse_component_value_list(css))
        if isinstance(token, ast.StringToken)
        for character in token.value
    }


# --- helpers ------------------------------------------------------------------------


def _parse_rules(css: str | list[ast.Node], *, top_level: bool = False) -> list[ast.Node]:
    """The rules of a stylesheet, or of a grouping rule's block, with comments and spaces.

    Their strings are written back with CSS escapes for what is not printable ASCII
    (tinycss2 would write the characters themselves): an icon stays ``"\\f002"``.
    """
    if top_level:
        rules = tinycss2.parse_stylesheet(css, skip_comments=False, skip_whitespace=False)
    else:
        rules = tinycss2.parse_rule_list(css, skip_comments=False, skip_whitespace=False)
    for rule in rules:
        if isinstance(rule, (ast.QualifiedRule, ast.AtRule)):
            for token in _all_tokens([*rule.prelude, *(rule.content or [])]):
                if isinstance(token, ast.StringToken):
                    token.representation = f'"{_escaped(token.value)}"'
    return rules


def _escaped(text: str) -> str:
    """``text`` for a double-quoted CSS string, in printable ASCII."""
    escaped = []
    for index, character in enumerate(text):
        if character in '"\\':
            escaped.append(f"\\{character}")
        elif " " <= character <= "~":
            escaped.append(character)
        else:  # an escape ends at a space where a hex digit or a space follows
            following = text[index + 1 : index + 2]
            space = " " if following and following in "0123456789abcdefABCDEF \t" else ""
            escaped.append(f"\\{ord(character):x}{space}")
    return "".join(escaped)


def _map_rules(css: str, rewrite: _Rewrite) -> str:
    """Apply ``rewrite`` to each style rule, inside grouping rules too; keep other at-rules whole."""
    return tinycss2.serialize(_map_rule_list(_parse_rules(css, top_level=True), rewrite))


def _map_rule_list(nodes: list[ast.Node], rewrite: _Rewrite) -> list[ast.Node]:
    """The rules of ``nodes``, each style rule rewritten; a grouping rule left empty goes.

    The spaces before a style rule count as its first selector's, and go with it; the
    comments before it, and in its selectors, are kept before it, whatever it becomes.
    """
    kept: list[ast.Node] = []
    pending: list[ast.Node] = []  # spaces and comments not yet written
    for node in nodes:
        if isinstance(node, (ast.WhitespaceToken, ast.Comment)):
            pending.append(node)
        elif isinstance(node, ast.QualifiedRule):
            comments = [token for token in node.prelude if isinstance(token, ast.Comment)]
            kept += [token for token in pending if isinstance(token, ast.Comment)] + comments
            spaces = [token for token in pending if isinstance(token, ast.WhitespaceToken)]
            prelude = [token for token in node.prelude if not isinstance(token, ast.Comment)]
            kept += rewrite(spaces + prelude, node.content)
            pending = []
        elif (
            isinstance(node, ast.AtRule)
            and node.lower_at_keyword in _GROUPING_RULES
            and node.content is not None
        ):
            inner = _map_rule_list(_parse_rules(node.content), rewrite)
            if tinycss2.serialize(inner).strip():
                kept += [*pending, _at_rule(node, inner)]
            pending = []
        else:  # another at-rule, kept whole; or what the parser could not read, as it was
            kept += [*pending, node]
            pending = []
    return kept + pending


def _without_unused_keyframes(nodes: list[ast.Node], used: set[str]) -> list[ast.Node]:
    kept: list[ast.Node] = []
    pending: list[ast.Node] = []
    for node in nodes:
        if isinstance(node, (ast.WhitespaceToken, ast.Comment)):
            pending.append(node)
            continue
        if isinstance(node, ast.AtRule) and node.lower_at_keyword == "keyframes":
            if tinycss2.serialize(node.prelude).strip() in used:
                kept += [*pending, node]
        elif isinstance(node, ast.AtRule) and node.lower_at_keyword in _GROUPING_RULES:
            inner = _without_unused_keyframes(_parse_rules(node.content or []), used)
            if tinycss2.serialize(inner).strip():
                kept += [*pending, _at_rule(node, inner)]
        else:
            kept += [*pending, node]
        pending = []
    return kept + pending


def _declarations(nodes: Iterable[ast.Node]) -> Iterator[ast.Declaration]:
    """Every declaration in these rules, in grouping rules and at-rules' blocks too."""
    for node in nodes:
        if isinstance(node, (ast.QualifiedRule, ast.AtRule)) and node.content is not None:
            for item in tinycss2.parse_blocks_contents(node.content):
                if isinstance(item, ast.Declaration):
                    yield item
                else:
                    yield from _declarations([item])


def _all_tokens(nodes: Iterable[ast.Node]) -> Iterator[ast.Node]:
    """Every token of these component values, and of the blocks and functions inside them."""
    for node in nodes:
        yield node
        if isinstance(node, ast.FunctionBlock):
            yield from _all_tokens(node.arguments)
        elif isinstance(
            node, (ast.ParenthesesBlock, ast.SquareBracketsBlock, ast.CurlyBracketsBlock)
        ):
            yield from _all_tokens(node.content)


def _significant(tokens: Iterable[ast.Node]) -> Iterator[ast.Node]:
    """The tokens that are not whitespace or comments."""
    return (token for token in tokens if not isinstance(token, (ast.WhitespaceToken, ast.Comment)))


def _split(tokens: list[ast.Node], separator: str) -> list[list[ast.Node]]:
    """Split at the separators at this level: those in a block or function are inside it."""
    parts: list[list[ast.Node]] = [[]]
    for token in tokens:
        if isinstance(token, ast.LiteralToken) and token.value == separator:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _join(parts: list[list[ast.Node]], separator: str) -> list[ast.Node]:
    joined: list[ast.Node] = []
    for number, part in enumerate(parts):
        if number:
            joined.append(ast.LiteralToken(0, 0, separator))
        joined += part
    return joined


def _classes(selector: list[ast.Node]) -> set[str]:
    """The classes a selector names at its own level: not inside functions or [...]."""
    return {
        following.value
        for token, following in itertools.pairwise(selector)
        if isinstance(token, ast.LiteralToken)
        and token.value == "."
        and isinstance(following, ast.IdentToken)
    }


def _declared_name(declaration: list[ast.Node]) -> str | None:
    """The custom property (``--name``) that a declaration sets; None for other declarations."""
    tokens = [token for token in declaration if not isinstance(token, ast.WhitespaceToken)]
    if (
        len(tokens) >= 2
        and isinstance(tokens[0], ast.IdentToken)
        and tokens[0].value.startswith("--")
        and isinstance(tokens[1], ast.LiteralToken)
        and tokens[1].value == ":"
    ):
        return tokens[0].value
    return None


def _icon_rule_names(prelude: list[ast.Node], content: list[ast.Node]) -> set[str] | None:
    """The icon classes of a rule that only sets an icon's character (``--fa``); else None."""
    names = set()
    for selector in _split(prelude, ","):
        tokens = list(_significant(selector))
        if not (
            len(tokens) == 2
            and isinstance(tokens[0], ast.LiteralToken)
            and tokens[0].value == "."
            and isinstance(tokens[1], ast.IdentToken)
            and tokens[1].value.startswith("fa-")
        ):
            return None
        names.add(tokens[1].value)
    declarations = [part for part in _split(content, ";") if list(_significant(part))]
    if len(declarations) != 1 or _declared_name(declarations[0]) != "--fa":
        return None
    return names


def _rule(prelude: list[ast.Node], content: list[ast.Node]) -> list[ast.Node]:
    return [ast.QualifiedRule(0, 0, prelude, content)]


def _at_rule(rule: ast.AtRule, content: list[ast.Node]) -> ast.AtRule:
    return ast.AtRule(0, 0, rule.at_keyword, rule.lower_at_keyword, rule.prelude, content)
