"""A reader's paste of every page runs: its visible code, alone, in a fresh kernel.

Hidden cells (tagged ``remove-cell`` or ``remove-input``) may only pass numbers to the
text with ``myst_nb.glue``; whatever a visible cell uses must come from a visible cell.
So each executed page is read with MyST-NB's own reader, and its visible code cells
run in order, and nothing else, in a new kernel of this interpreter, in an empty
working directory: what a reader who pastes them into a fresh notebook gets.

A hidden cell that shows a command with its output (``$ lstmdoc explain
classifier.keras``) asks the reader to type that command; it too must work where the
reader is, with only the visible cells run before it. What the page shows is read from
the site's build (``nox -s docs``), which ran the whole page: here only the visible
cells run, once, and the commands are checked in that same run.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests._jupyter import use_this_interpreter_as_python3
from tests.test_docs_build import FRONT_MATTER

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# Where MyST-NB writes each page as the site's build executed it, and the built site.
BUILT_PAGES = DOCS / "_build" / "jupyter_execute"
BUILT_SITE = DOCS / "_build" / "html"
_COLUMNS = re.search(r'os\.environ\["COLUMNS"\] = "(\d+)"', (DOCS / "conf.py").read_text())
assert _COLUMNS, "docs/conf.py no longer sets the pages' terminal width (COLUMNS)"
BUILD_COLUMNS = _COLUMNS.group(1)
# The tags with which MyST-NB leaves a cell's code off the page (both spellings work).
HIDDEN_CODE_TAGS = {"remove-cell", "remove_cell", "remove-input", "remove_input"}
# Training the tutorial's model takes seconds; a slow shared machine, much more.
CELL_TIMEOUT = 900
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class CodeCell:
    """A code cell of a page: where it starts in the .md, its code, and whether readers see it."""

    line: int
    source: str
    hidden: bool
    shows_output: bool

    def where(self, page: Path) -> str:
        """The cell's place, as ``docs/<page>.md:<line>``."""
        return f"{_shown(page)}:{self.line}"


def code_cells(page: Path) -> list[CodeCell]:
    """The page's code cells in order, read as MyST-NB reads them for the build."""
    notebook = read_myst_markdown_notebook(
        page.read_text(encoding="utf-8"), add_source_map=True, path=str(page)
    )
    cells = []
    for cell, line in zip(notebook.cells, notebook.metadata["source_map"], strict=True):
        if cell.cell_type != "code":
            continue
        tags = set(cell.metadata.get("tags", []))
        code_removed = cell.metadata.get("mystnb", {}).get("remove_code_source", False)
        cells.append(
            CodeCell(
                line=line,
                source=cell.source,
                hidden=bool(tags & HIDDEN_CODE_TAGS or code_removed),
                shows_output=not tags & {"remove-cell", "remove_cell"},
            )
        )
    return cells


def executed_pages() -> list[Path]:
    """Every page of docs/ that MyST-NB executes (a MyST Markdown notebook)."""
    return sorted(
        page
        for page in DOCS.rglob("*.md")
        if "_build" not in page.parts
        and is_myst_markdown_notebook(page.read_text(encoding="utf-8"))
    )


PAGES = executed_pages()


def _page_id(page: Path) -> str:
    return page.relative_to(DOCS).as_posix()


def _shown(page: Path) -> str:
    """The page's path as a message shows it: from the repository's root where it is in it."""
    return str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else str(page)


def uses_myst_nb(source: str) -> bool:
    """Whether code (IPython syntax allowed) imports MyST-NB or calls a glue function."""
    tree = ast.parse(TransformerManager().transform_cell(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == "myst_nb" for alias in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "myst_nb":
            return True
        if isinstance(node, ast.Name) and node.id == "glue":
            return True
    return False


@pytest.fixture
def kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A "python3" kernel of this interpreter, with a fresh IPython profile, as a reader has."""
    name = use_this_interpreter_as_python3(tmp_path, monkeypatch)
    # Not the docs build's profile (docs/_ipython): a reader's kernel has none of its settings.
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    # The terminal width the build gave the pages' commands (docs/conf.py), at which the
    # commands shown were wrapped: the same command prints the same lines.
    monkeypatch.setenv("COLUMNS", BUILD_COLUMNS)
    # A reader's empty cache of trained weights (lstmdoc.example.trained_model), not the
    # user's: a page that loads the tutorial's weights trains them itself, as it must.
    monkeypatch.setenv("LSTMDOC_CACHE_DIR", str(tmp_path / "cache"))
    return name


class Kernel:
    """A fresh kernel in an empty working directory, running one cell at a time."""

    def __init__(self, kernel_name: str, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self._notebook = nbformat.v4.new_notebook()
        self._client = NotebookClient(
            self._notebook,
            kernel_name=kernel_name,
            timeout=CELL_TIMEOUT,
            resources={"metadata": {"path": str(workdir)}},
        )

    @classmethod
    @contextmanager
    def started(cls, kernel_name: str, workdir: Path) -> Iterator[Kernel]:
        """Start the kernel for the ``with`` block, and shut it down after it."""
        kernel = cls(kernel_name, workdir)
        with kernel._client.setup_kernel():
            yield kernel

    def run(self, source: str) -> nbformat.NotebookNode:
        """Run code as the next cell; return the cell with its outputs.

        Raises nbclient's CellExecutionError if the code raises.
        """
        cell: nbformat.NotebookNode = nbformat.v4.new_code_cell(source)
        self._notebook.cells.append(cell)
        self._client.execute_cell(cell, len(self._notebook.cells) - 1)
        return cell

    def printed(self, source: str) -> str:
        """Run code as the next cell; return what it printed."""
        return "".join(
            output["text"]
            for output in self.run(source).outputs
            if output["output_type"] == "stream"
        )


def _failure(page: Path, cell: CodeCell, error: CellExecutionError) -> str:
    return (
        f"{cell.where(page)}: this visible cell fails when only the visible cells run: "
        f"{error.ename}: {_ANSI.sub('', error.evalue)}\n--- the cell ---\n{cell.source}"
    )


# What each hidden cell with output shows, by the cell's index among the page's code
# cells: the commands it shows, each with the text shown after it.
Transcripts = dict[int, list[tuple[str, str]]]


def run_visible_cells(
    page: Path, kernel_name: str, workdir: Path, transcripts: Transcripts | None = None
) -> list[str]:
    """Run the page's visible code cells in order; return the problems found (none: []).

    After a failing cell the others still run, as they would for a reader pasting on:
    every cell that fails is named, the first one first. At the place of each hidden
    cell in ``transcripts``, each command it showed runs in the kernel's working
    directory, and must print what the page shows.
    """
    problems: list[str] = []
    with Kernel.started(kernel_name, workdir) as kernel:
        for index, cell in enumerate(code_cells(page)):
            if not cell.hidden:
                try:
                    kernel.run(cell.source)
                except CellExecutionError as error:
                    problems.append(_failure(page, cell, error))
            for command, shown in (transcripts or {}).get(index, []):
                problems += _command_problems(page, cell, command, shown, kernel.workdir)
        if kernel.printed("import sys\nprint('myst_nb' in sys.modules)").strip() != "False":
            problems.append(f"{_shown(page)}: its visible cells import myst_nb")
    return problems


def _command_problems(
    page: Path, cell: CodeCell, command: str, shown: str, workdir: Path
) -> list[str]:
    output = run_command(command, workdir)
    if output is None:
        return [f"{cell.where(page)}: shows `$ {command}`, not installed"]
    if output not in shown:
        problem = (
            f"{cell.where(page)}: shows `$ {command}`, which, where only the visible cells "
            f"ran, prints\n{output}\ninstead of what the page shows:\n{shown}"
        )
        return [problem]
    return []


# A line "$ command" of a transcript, then what the command printed, up to the next one.
_PROMPT = re.compile(r"^\$ (.*)\n?", flags=re.MULTILINE)


def shown_commands(transcript: str) -> list[tuple[str, str]]:
    """The commands a transcript shows, each with the text shown after it."""
    parts = _PROMPT.split(transcript)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def run_command(command: str, workdir: Path) -> str | None:
    """Run a shown command in workdir as a shell would; return its output, or None if not found.

    The program is looked up first beside this interpreter, where ``pip install``
    puts lstmdoc's command line, then on PATH.
    """
    program, *arguments = shlex.split(command)
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(program, path=search)
    if found is None:
        return None
    result = subprocess.run(
        [found, *arguments], cwd=workdir, capture_output=True, text=True, check=False, timeout=600
    )
    return result.stdout + result.stderr


def hidden_cells_with_output(page: Path) -> list[CodeCell]:
    """The page's cells whose output is shown without their code (tagged remove-input)."""
    return [cell for cell in code_cells(page) if cell.hidden and cell.shows_output]


def built_transcripts(page: Path) -> Transcripts:
    """What the page's hidden cells show, as the site's build ran them (nox -s docs).

    The cells are the build's executed page (``jupyter_execute``), which must be of this
    page's code as it is now; their outputs are its downloadable notebook's, which has
    them also when the page was taken from the execution cache.
    """
    name = page.relative_to(DOCS).with_suffix(".ipynb")
    executed, download = BUILT_PAGES / name, BUILT_SITE / "_sources" / name
    if not (executed.is_file() and download.is_file()):
        pytest.fail(f"no {executed} or {download}: build the site first with nox -s docs")
    built = [
        cell for cell in nbformat.read(executed, as_version=4).cells if cell.cell_type == "code"
    ]
    cells = code_cells(page)
    if [cell.source for cell in built] != [cell.source for cell in cells]:
        pytest.fail(f"{executed} is of an older {_shown(page)}: build the site again")
    notebook = nbformat.read(download, as_version=4)
    outputs = {cell.id: cell.outputs for cell in notebook.cells if cell.cell_type == "code"}
    transcripts = {}
    for index, cell in enumerate(cells):
        if cell.hidden and cell.shows_output:
            if built[index].id not in outputs:
                pytest.fail(f"{cell.where(page)}: its output is not in {download}")
            transcripts[index] = shown_commands(_printed(outputs[built[index].id]))
    return transcripts


def _printed(outputs: list[nbformat.NotebookNode]) -> str:
    return "".join(output["text"] for output in outputs if output["output_type"] == "stream")


def page_transcripts(page: Path, kernel_name: str, workdir: Path) -> Transcripts:
    """What the page's hidden cells show, by running the whole page as the build does.

    For the small pages of the tests below, which no build has run.
    """
    transcripts: Transcripts = {}
    with Kernel.started(kernel_name, workdir) as whole_page:
        for index, cell in enumerate(code_cells(page)):
            printed = whole_page.printed(cell.source)
            if cell.hidden and cell.shows_output:
                transcripts[index] = shown_commands(printed)
    return transcripts


class TestEveryPage:
    def test_the_docs_have_executed_pages(self):
        """The pages are found, and hidden cells among them, so the checks below check something."""
        assert len(PAGES) >= 12
        assert any(cell.hidden for page in PAGES for cell in code_cells(page))

    @pytest.mark.parametrize("page", PAGES, ids=_page_id)
    def test_no_visible_cell_uses_myst_nb(self, page):
        """Glue belongs in hidden cells: no visible cell imports myst_nb or calls glue."""
        visible = [cell for cell in code_cells(page) if not cell.hidden]
        assert [cell.where(page) for cell in visible if uses_myst_nb(cell.source)] == []

    @pytest.mark.parametrize("page", PAGES, ids=_page_id)
    def test_its_visible_cells_and_commands_work_alone_in_a_fresh_kernel(
        self, page, kernel_name, tmp_path
    ):
        """The visible code cells run, in order, with no hidden cell run before them; and
        each "$ command" a hidden cell shows prints there what the built page shows.
        """
        transcripts = built_transcripts(page)
        problems = run_visible_cells(page, kernel_name, tmp_path / "reader", transcripts)
        assert not problems, "\n\n".join(problems)

    def test_some_page_shows_commands(self):
        """Some pages show commands from hidden cells, so the check above checks them."""
        assert [page for page in PAGES if hidden_cells_with_output(page)]


PAGE_START = FRONT_MATTER + "\n# A page\n"


def _page(tmp_path: Path, *cells: tuple[str, str]) -> Path:
    """Write a MyST notebook page of (tag, code) cells; tag "" for a visible cell."""
    body = "".join(
        f"\n```{{code-cell}} ipython3\n{f':tags: [{tag}]' + chr(10) * 2 if tag else ''}{code}\n```\n"
        for tag, code in cells
    )
    page = tmp_path / "page.md"
    page.write_text(PAGE_START + body, encoding="utf-8")
    return page


SHOW_CAT = (
    "import subprocess\n"
    "print('$ cat data.txt')\n"
    "print(subprocess.run(['cat', 'data.txt'], capture_output=True, text=True).stdout, end='')"
)


class TestTheChecks:
    """The checks above on small pages written here: each catches its defect, by page and line."""

    def test_a_visible_cell_that_needs_a_hidden_one_is_named(self, kernel_name, tmp_path):
        """A visible cell using a name only a remove-cell cell defines fails, named by its line."""
        page = _page(tmp_path, ("remove-cell", "answer = 42"), ("", "print(answer)"))
        (problem,) = run_visible_cells(page, kernel_name, tmp_path / "reader")
        assert problem.startswith(f"{page}:16: this visible cell fails")
        assert "NameError: name 'answer' is not defined" in problem

    def test_visible_cells_that_stand_alone_pass(self, kernel_name, tmp_path):
        """Visible cells that define what they use pass, whatever the hidden cells do."""
        page = _page(
            tmp_path,
            ("", "answer = 6 * 7"),
            ("remove-cell", "from myst_nb import glue\nglue('answer', answer, display=False)"),
            ("remove-input", "print(answer)"),
            ("", "print(answer)"),
        )
        assert run_visible_cells(page, kernel_name, tmp_path / "reader") == []

    def test_a_visible_cell_that_imports_myst_nb_is_found(self):
        """Importing MyST-NB in any form, or calling glue, is found in IPython code too."""
        assert uses_myst_nb("from myst_nb import glue")
        assert uses_myst_nb("import myst_nb.core")
        assert uses_myst_nb("x = 1\nglue('x', x)")
        assert not uses_myst_nb("import lstmdoc\nglued = 1\n!echo glue")

    def test_a_shown_command_that_needs_a_hidden_file_is_named(self, kernel_name, tmp_path):
        """A command shown by a remove-input cell, whose file a hidden cell wrote, fails."""
        page = _page(
            tmp_path,
            ("remove-input", "open('data.txt', 'w').write('hello\\n')\n" + SHOW_CAT),
        )
        transcripts = page_transcripts(page, kernel_name, tmp_path / "page")
        (problem,) = run_visible_cells(page, kernel_name, tmp_path / "reader", transcripts)
        assert problem.startswith(f"{page}:10: shows `$ cat data.txt`, which")
        assert "No such file" in problem

    def test_a_shown_command_that_needs_a_visible_file_passes(self, kernel_name, tmp_path):
        """The same command passes where a visible cell writes the file."""
        page = _page(
            tmp_path,
            ("", "open('data.txt', 'w').write('hello\\n')"),
            ("remove-input", SHOW_CAT),
        )
        transcripts = page_transcripts(page, kernel_name, tmp_path / "page")
        assert run_visible_cells(page, kernel_name, tmp_path / "reader", transcripts) == []
        assert shown_commands("$ a b\nx\n$ c\n") == [("a b", "x\n"), ("c", "")]
