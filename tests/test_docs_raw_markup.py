"""Tests of docs/_ext/raw_markup.py: no page shows markup as text, or nan or None for a number.

The rules are checked on HTML written here, where what must be found and what must
not is read off by hand; then a small site built with the real conf.py shows that
each kind of defect, made the way a page would make it, fails the strict build and
is named by its page, while a clean page with every near miss passes.
"""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
from pathlib import Path

import pytest

from tests.test_docs_build import FRONT_MATTER, _build, _page, _site

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # where conf.py finds it too
raw_markup = importlib.import_module("raw_markup")


def found(body: str) -> list[str]:
    """What the scanner finds in a page whose article holds this HTML, by kind."""
    return [finding.what for finding in raw_markup.findings(f"<article>{body}</article>")]


class TestMarkdownTables:
    def test_a_table_rendered_as_a_paragraph_is_found(self):
        """A paragraph of pipes with a delimiter row, dashes smart-quoted, is a table as text."""
        assert found("<p>| gate | key |\n| — | —: |\n| input | i |</p>") == [
            "a Markdown table as text"
        ]

    def test_a_delimiter_row_of_plain_dashes_or_one_column_is_found(self):
        """Three or more hyphens between pipes, or one column between two pipes, count too."""
        assert found("<p>a | b\n---|:---:\n1 | 2</p>") == ["a Markdown table as text"]
        assert found("<p>| a |\n| --- |</p>") == ["a Markdown table as text"]

    def test_dashes_and_pipes_in_prose_are_not_a_table(self):
        """An en or em dash in a sentence, or a pipe in a type, is prose."""
        assert found("<p>Keras – or PyTorch — counts | sums.</p><p>int | None</p>") == []

    def test_a_real_table_is_not_text(self):
        """A rendered HTML table, with a dash in an empty cell, is no finding."""
        assert found("<table><tr><th>gate</th></tr><tr><td>—</td></tr></table>") == []


class TestRolesAndDirectives:
    def test_a_role_before_its_code_is_found(self):
        """``{glue:text}`key``` in CommonMark renders as "{glue:text}" and code: found."""
        assert found("<p>It has {glue:text}<code>total</code> parameters.</p>") == [
            "a MyST role as text"
        ]

    def test_a_role_with_its_backticks_as_text_is_found(self):
        """A role whose backticks stayed text is found as well."""
        assert found("<p>See {ref}`intro`.</p>") == ["a MyST role as text"]

    def test_braces_in_prose_are_not_a_role(self):
        """A word in braces, followed by something other than code, is prose."""
        assert found("<p>The {units} placeholder, and {a} <code>b</code>.</p>") == []

    def test_fences_left_as_text_are_found(self):
        """A colon fence opening a line, or three backticks in prose, are fences as text."""
        assert found("<p>:::{note}\nA note.\n:::</p>") == ["a directive fence as text"]
        assert found("<p>```{note} A note. ```</p>") == ["a directive fence as text"]

    def test_a_directive_rendered_as_a_code_block_is_found(self):
        """A code block whose language is "{note}" is a directive fence that was not parsed."""
        block = '<div class="highlight-{note} notranslate"><div class="highlight"><pre>A note.</pre></div></div>'
        assert found(block) == ["a directive fence as a code block"]


class TestTeX:
    @pytest.mark.parametrize(
        "prose",
        [
            "the state $h_t$ at step $t$",
            "$$h_t = o_t$$",
            r"\(x\)",
            r"\begin{aligned}",
            r"\frac{a}{b}",
        ],
    )
    def test_delimiters_and_commands_left_as_text_are_found(self, prose):
        """Dollar math, TeX's bracket delimiters and braced commands, as text, are found."""
        assert found(f"<p>{prose}</p>") == ["TeX as text"]

    def test_prices_are_not_math(self):
        """Pandoc's rule: "$5 and $10" and "US$5" are money, not a formula."""
        assert found("<p>It costs $5 and $10, or US$5 a month.</p>") == []

    def test_rendered_math_and_code_are_not_text(self):
        """MathML, and dollars inside code, are not prose."""
        assert found("<p><math><mi>$x$</mi></math> and <code>$HOME</code>.</p>") == []


class TestMissingNumbers:
    @pytest.mark.parametrize("word", ["nan", "NaN", "inf", "-inf", "+inf"])
    def test_nan_and_infinity_in_prose_are_found(self, word):
        """A NaN or an infinity, as a word of prose, is a number gone missing."""
        assert found(f"<p>The error is {word} after training.</p>") == [
            "NaN or infinity where a number belongs"
        ]

    def test_words_that_contain_nan_or_inf_are_prose(self):
        """Words such as "inference", "nanny" or "infinity" are not NaN or inf."""
        assert found("<p>Inference, a nanny, infinity, info and financial.</p>") == []

    def test_a_glued_none_is_found(self):
        """A glued value that rendered as None is found, even where it opens a sentence."""
        pasted = '<span class="pasted-text">None</span>'
        assert found(f"<p>{pasted} parameters.</p>") == ["None as a glued value"]

    def test_none_as_a_table_cell_is_found(self):
        """A table cell that reads None is a number gone missing."""
        assert found("<table><tr><td>None</td></tr></table>") == [
            "None in a table cell, where a number belongs"
        ]

    def test_none_in_the_middle_of_a_sentence_is_found(self):
        """ "The count is None" is a missing number (or code not written as code)."""
        assert found("<p>The count is None.</p>") == [
            "None mid-sentence (a missing number, or code not marked as code)"
        ]

    @pytest.mark.parametrize(
        "body",
        [
            "<p>None of the gates is idle.</p>",
            "<p>Every weight counts. None is shared.</p>",
            "<li>None</li>",
            "<p>The default is <code>None</code>.</p>",
            "<p><em>tuple</em><em>[</em><em>Any</em><em>] </em><em>| </em><em>None</em></p>",
            '<dl><dt class="sig"><em>bias</em>=<span class="pre">None</span></dt></dl>',
            '<p>The error is <span class="pre">nan</span>.</p>',
        ],
    )
    def test_english_types_and_code_are_not_missing_numbers(self, body):
        """None opening a sentence, in a type union or signature, and anything in code, pass."""
        assert found(body) == []


class TestFindingText:
    def test_names_what_was_found_with_the_prose_around_it(self):
        """A finding reads as its kind and its text, with code shown as `…`."""
        (finding,) = raw_markup.findings("<article><p>It has {x}<code>y</code>.</p></article>")
        assert str(finding) == "a MyST role as text: 'It has {x}`…`.'"

    def test_reads_only_the_article(self):
        """Navigation and sidebars outside the article are not the page's prose."""
        html = "<body><nav><p>$x$</p></nav><article><p>Fine.</p></article></body>"
        assert raw_markup.findings(html) == []


def _markdown_output(text: str) -> str:
    """A cell that displays text as a Markdown output (rendered as conf.py says, GFM)."""
    return f"from IPython.display import Markdown\nMarkdown({text!r})"


def _glued_page(title: str, value: str, sentence: str) -> str:
    code = f"from myst_nb import glue\nglue('value', {value}, display=False)"
    cell = f"```{{code-cell}} ipython3\n:tags: [remove-cell]\n\n{code}\n```"
    return f"{FRONT_MATTER}\n# {title}\n\n{cell}\n\n{sentence}\n"


CLEAN = FRONT_MATTER + textwrap.dedent(
    """
        # A clean page

        A real table:

        | gate | count |
        | --- | ---: |
        | input | 440 |

        Math, $h_t = o_t \\odot \\phi(c_t)$, renders as MathML; a licence costs $5, not $10.
        None of the gates is idle, and `None`, `nan` and `{glue:text}` are written as code.
        The model has {glue:text}`total:,d` parameters.

        ```{code-cell} ipython3
        from IPython.display import HTML
        from myst_nb import glue

        glue("total", 2180, display=False)
        print(None, float("nan"), "| --- |", "$x$")
        HTML("<table><tr><th>layer</th><th>count</th></tr><tr><td>lstm</td><td>1,760</td></tr></table>")
        ```
        """
)
# conf.py renders Markdown outputs as GitHub-flavoured Markdown, which has tables; a
# cell that asks for CommonMark, MyST-NB's default, gets its table as a paragraph.
_TABLE_CELL = _markdown_output("| a | b |\n| --- | --- |\n| 1 | 2 |")
COMMONMARK_TABLE = f"""{FRONT_MATTER}
# Table

```{{code-cell}} ipython3
---
mystnb:
  markdown_format: commonmark
---
{_TABLE_CELL}
```
"""
DEFECTS = {
    "markdown-table": (COMMONMARK_TABLE, "a Markdown table as text"),
    "role-as-text": (_page("Role", _markdown_output("See {ref}`intro`.")), "a MyST role as text"),
    "colon-fence": (
        _page("Fence", _markdown_output(":::{note}\nA note.\n:::")),
        "a directive fence as text",
    ),
    "tex-as-text": (_page("TeX", _markdown_output("The state $h_t$ at step $t$.")), "TeX as text"),
    "glued-nan": (
        _glued_page("A glued float", "float('nan')", "The error is {glue:text}`value:.3f`."),
        "NaN or infinity where a number belongs",
    ),
    "glued-none": (
        _glued_page("A glued count", "None", "The layer has {glue:text}`value` parameters."),
        "None as a glued value",
    ),
}


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str]:
    """A small site with one page per defect and a clean page, built as nox -s docs does."""
    pages = {name: text for name, (text, _) in DEFECTS.items()}
    source = _site(tmp_path_factory.mktemp("raw-markup"), {**pages, "clean": CLEAN})
    return _build(source)


class TestTheBuild:
    def test_fails(self, build):
        """Any finding fails the strict build."""
        status, output = build
        assert status != 0, output

    @pytest.mark.parametrize("name", DEFECTS)
    def test_names_each_page_and_its_defect(self, build, name):
        """Each defective page is named, with what it shows, in a warning of its own."""
        _, output = build
        what = DEFECTS[name][1]
        assert re.search(rf"{name}\.md: WARNING: the page shows {re.escape(what)}: ", output), (
            output
        )

    def test_a_clean_page_with_every_near_miss_is_not_named(self, build):
        """A real table, math, prices, English None, and code with nan and None pass."""
        _, output = build
        warnings = re.findall(r"^.*\.md(?::\d+)?: WARNING: .*$", output, flags=re.MULTILINE)
        assert not [warning for warning in warnings if "clean.md" in warning], output
        assert len(warnings) == len(DEFECTS), "\n".join(warnings)
