"""Fail the build where a page shows markup as text, or a missing number where a number belongs.

A reader should never see the source of a table, a role, a directive or a formula,
and never ``nan`` or ``None`` where the text promised a number. Each happens
quietly: MyST-NB renders a cell's ``text/markdown`` output as CommonMark (no
tables, roles, directives or dollar math), a glued value can be NaN, and an
f-string can print None. So once the site is written, the prose of each page
(its article, less everything shown as code) is read back, and each finding is a
warning naming the page, which fails the strict build. Every page is read, not only
those this build wrote, so a defect fails each build until it is fixed. The pages are
read in a second process while this one prunes the stylesheets (``lighter.py``): each
takes a second or two, and the two take one on two cores. It finds:

- a Markdown table as text: a delimiter row such as ``| --- | ---: |`` (after
  Sphinx's smart quotes, ``| — | —: |``);
- a MyST role as text: ``{name}`` right before code or a backtick, as
  ``{glue:text}`key``` renders;
- a directive fence as text: a code fence (three backticks) in prose, a line
  opening with ``:::``, or a code block whose language is ``{name}``;
- TeX as text: ``$$``, ``$...$`` (Pandoc's rule: no space inside either dollar, no
  digit after the closing one, so "$5 and $10" is not math), ``\\(``, ``\\)``,
  ``\\[``, ``\\]``, or a command with a braced argument such as ``\\begin{``;
- NaN or infinity as a word (``nan``, ``NaN``, ``inf``, ``-inf``), anywhere in prose,
  headings included (write it as code where the value itself is meant);
- ``None`` as a glued value, as a table cell, or capitalised in the middle of a
  sentence (at a sentence's start it is the English word).

Prose here is text outside ``pre``, ``code``, ``kbd``, ``samp``, math, SVG, scripts
and styles, and outside Pygments' highlighted blocks, so code cells, their text
outputs and inline code are never read; rendered HTML and Markdown outputs are.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag
from sphinx.util import logging

logger = logging.getLogger(__name__)

# Elements whose text is code, or not text at all.
_CODE_TAGS = {"pre", "code", "kbd", "samp", "tt", "math", "svg", "script", "style", "template"}
# Elements that start a new run of prose: a finding's text never spans two of them.
_BLOCK_TAGS = {
    "article", "section", "div", "p", "blockquote", "figure", "figcaption", "caption",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "td", "th",
    "h1", "h2", "h3", "h4", "h5", "h6", "aside", "details", "summary",
}  # fmt: skip
# Stand for an element of code inside prose (a role's text renders as code), and for
# a glued value that is None.
CODE, GLUED_NONE = "\x00", "\x01"

# A cell of a Markdown table's delimiter row: dashes, optionally colons, where Sphinx's
# smart quotes have turned "---" into an em dash and "--" into an en dash.
_DASHES = r"\s*:?(?:-{3,}|[-—–]*[—–][-—–]*):?\s*"
_RULES = [
    (
        "a Markdown table as text",
        re.compile(rf"\|{_DASHES}\||{_DASHES}\|{_DASHES}"),
    ),
    ("a MyST role as text", re.compile(rf"\{{[A-Za-z][\w.:+-]*\}}(?:{CODE}|`)")),
    ("a directive fence as text", re.compile(r"```|(?:^|\n)[ \t]*:::")),
    (
        "TeX as text",
        re.compile(
            r"\$\$|(?<![\\$\w])\$(?=[^\s$])[^$\n]*?(?<=[^\s\\])\$(?!\d)"
            r"|\\[()\[\]]|\\[A-Za-z]+\{"
        ),
    ),
    (
        "NaN or infinity where a number belongs",
        re.compile(r"(?<![\w.-])[-+]?(?:nan|inf)(?![\w])", flags=re.IGNORECASE),
    ),
]
_NONE = re.compile(r"\bNone\b")
# What may precede a word that starts a sentence: nothing, or a full stop, question or
# exclamation mark or colon, then perhaps an opening quote or bracket.
_SENTENCE_START = re.compile(r"(?:^|[.!?:])\s*[\"'“‘(]*\s*$")
# Around None in a type such as "int | None", as autodoc writes the types of parameters.
_UNION_BEFORE, _UNION_AFTER = re.compile(r"\|\s*$"), re.compile(r"\s*\|")


@dataclass(frozen=True)
class Finding:
    """One piece of raw markup or missing number in a page's prose."""

    what: str
    text: str

    def __str__(self) -> str:
        shown = " ".join(self.text.replace(CODE, "`…`").replace(GLUED_NONE, "None").split())
        if len(shown) > 100:
            shown = shown[:97] + "..."
        return f"{self.what}: {shown!r}"


def _classes(element: Tag) -> list[str]:
    classes = element.get("class") or []
    return classes.split() if isinstance(classes, str) else list(classes)


def _is_code(element: Tag) -> bool:
    """Whether an element shows code: HTML's code elements, Pygments' blocks, API signatures.

    Sphinx wraps each word of literal text in ``span.pre`` and writes an API object's
    signature as ``dt.sig``.
    """
    classes = _classes(element)
    return (
        element.name in _CODE_TAGS
        or "pre" in classes
        or "sig" in classes
        or any(name == "highlight" or name.startswith("highlight-") for name in classes)
    )


def _prose_blocks(root: Tag) -> list[tuple[Tag, str]]:
    """Each block element under root with its own prose; code stands as CODE."""
    texts: dict[int, list[str]] = {}
    blocks: list[Tag] = []

    def walk(element: Tag, block: Tag) -> None:
        for child in element.children:
            if isinstance(child, Tag):
                if _is_code(child):
                    texts[id(block)].append(CODE)
                elif "pasted-text" in _classes(child) and child.get_text().strip() == "None":
                    texts[id(block)].append(GLUED_NONE)
                elif child.name in _BLOCK_TAGS:
                    blocks.append(child)
                    texts[id(child)] = []
                    walk(child, child)
                else:
                    walk(child, block)
            elif type(child) is NavigableString:  # not a comment, doctype or CDATA
                texts[id(block)].append(str(child))

    blocks.append(root)
    texts[id(root)] = []
    walk(root, root)
    return [(block, "".join(texts[id(block)])) for block in blocks if texts[id(block)]]


def _codes_in_prose(root: Tag) -> list[Finding]:
    """Code blocks whose language is a directive's name: a fence that was not a directive."""
    return [
        Finding("a directive fence as a code block", f"```{language}")
        for element in root.find_all(class_=re.compile(r"^highlight-\{"))
        for language in [name.removeprefix("highlight-") for name in _classes(element)]
        if language.startswith("{")
    ]


def _is_a_missing_value(text: str, none: re.Match[str]) -> bool:
    """Whether a None in prose stands where a value belongs.

    Not where it opens a sentence (the English word), nor in a type union such as
    "int | None" (autodoc writes parameters' types as text).
    """
    before, after = text[: none.start()], text[none.end() :]
    return not (
        _SENTENCE_START.search(before) or _UNION_BEFORE.search(before) or _UNION_AFTER.match(after)
    )


def _nones(block: Tag, text: str) -> list[Finding]:
    if GLUED_NONE in text:
        return [Finding("None as a glued value", text)]
    if block.name in {"td", "th"} and text.strip() == "None":
        return [Finding("None in a table cell, where a number belongs", text)]
    if any(_is_a_missing_value(text, match) for match in _NONE.finditer(text)):
        return [Finding("None mid-sentence (a missing number, or code not marked as code)", text)]
    return []


def findings(html: str) -> list[Finding]:
    """The raw markup and missing numbers in the prose of a page's article (HTML)."""
    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article") or soup.body or soup
    if not isinstance(article, Tag):
        return []
    found = _codes_in_prose(article)
    for block, text in _prose_blocks(article):
        found.extend(Finding(what, text) for what, rule in _RULES if rule.search(text))
        found.extend(_nones(block, text))
    return found


_reading: subprocess.Popen[str] | None = None
_read_pages: list[str] = []


def _read_pages_back(app: Any, exception: Exception | None) -> None:
    """Start reading back each written page of the current build, in another process."""
    global _reading, _read_pages  # noqa: PLW0603  (one reading per build)
    if exception is not None or app.builder.format != "html":
        return
    pages = {docname: Path(app.builder.get_outfilename(docname)) for docname in app.env.found_docs}
    _read_pages = sorted(docname for docname, page in pages.items() if page.is_file())
    _reading = subprocess.Popen(
        [sys.executable, __file__, *(str(pages[docname]) for docname in _read_pages)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def _warn_about_raw_markup(_app: Any, _exception: Exception | None) -> None:
    """Warn once per finding of the reading started by :func:`_read_pages_back`."""
    global _reading
    if _reading is None:
        return
    output, errors = _reading.communicate()
    status, _reading = _reading.returncode, None
    if status != 0:
        logger.warning("the pages could not be read back for raw markup:\n%s", errors.strip())
        return
    for line in output.splitlines():
        number, what, text = json.loads(line)
        logger.warning(
            "the page shows %s",
            Finding(what, text),
            location=_read_pages[number],
            type="lstmdoc",
            subtype="raw_markup",
        )


def _print_findings(pages: list[str]) -> None:
    """Print each finding of these pages as a JSON line: the page's number, what, the text."""
    for number, page in enumerate(pages):
        for finding in findings(Path(page).read_text(encoding="utf-8")):
            print(json.dumps([number, finding.what, finding.text]))


def setup(app: Any) -> dict[str, Any]:
    """Read every page back once the site is written."""
    app.connect("build-finished", _read_pages_back, priority=400)
    app.connect("build-finished", _warn_about_raw_markup, priority=950)  # after the pruning
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    _print_findings(sys.argv[1:])
