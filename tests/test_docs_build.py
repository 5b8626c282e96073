"""Tests of the site's build: strict about failures, quiet about TensorFlow, honest caching.

Each test builds a small copy of docs/ (the real conf.py and kernel settings, with
pages written here) with the flags of ``nox -s docs``, so it takes seconds, not the
minute the whole site takes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.docs

pytest.importorskip("myst_nb")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
STRICT = ["-n", "-W", "--keep-going"]
FRONT_MATTER = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---
"""


def _page(title: str, *cells: str) -> str:
    """Return a MyST notebook page with a title and the given code cells."""
    body = "".join(
        f"\n```{{code-cell}} ipython3\n{textwrap.dedent(cell).strip()}\n```\n" for cell in cells
    )
    return f"{FRONT_MATTER}\n# {title}\n{body}"


def _site(tmp_path: Path, pages: dict[str, str]) -> Path:
    """Copy docs/'s configuration to tmp_path/docs and add an index and these pages."""
    source = tmp_path / "docs"
    source.mkdir()
    shutil.copy(DOCS / "conf.py", source / "conf.py")
    for folder in DOCS.glob("_*"):  # _static, _ext, _ipython: what conf.py uses
        if folder.is_dir() and folder.name != "_build":
            shutil.copytree(
                folder, source / folder.name, ignore=shutil.ignore_patterns("__pycache__")
            )
    toctree = "\n".join(pages)
    (source / "index.md").write_text(f"# A small site\n\n```{{toctree}}\n{toctree}\n```\n")
    for name, text in pages.items():
        (source / f"{name}.md").write_text(text)
    return source


def _build(source: Path, **environment: str) -> tuple[int, str]:
    """Run sphinx-build as nox -s docs does; return (exit status, everything printed)."""
    # A CI machine's LSTMDOC_DOCS_EXECUTION=force must not leak into the tests of the cache.
    env = {name: value for name, value in os.environ.items() if name != "LSTMDOC_DOCS_EXECUTION"}
    # Plain kernels for these small sites, whose pages import no TensorFlow: a warm
    # kernel's server would import it for nothing. TestWarmKernels builds with them.
    env["LSTMDOC_DOCS_WARM_KERNELS"] = "0"
    env.update(environment)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            *STRICT,
            "-b",
            "html",
            "-d",
            str(source / "_build" / "doctrees"),
            str(source),
            str(source / "_build" / "html"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    return result.returncode, result.stdout + result.stderr


def _executed(output: str) -> list[str]:
    """The pages that a build executed (rather than took from the cache)."""
    return sorted(set(re.findall(r"([\w-]+)\.md: Executed notebook", output)))


GOOD = _page(
    "A good page",
    """
    from myst_nb import glue

    answer = 6 * 7
    glue("answer", answer, display=False)
    print("the answer is", answer)
    """,
)


class TestStrictness:
    def test_a_good_page_builds(self, tmp_path):
        """The small site builds without a warning, so the failures below are the broken pages'."""
        source = _site(tmp_path, {"good": GOOD})
        status, output = _build(source)
        assert status == 0, output
        assert "the answer is 42" in (source / "_build" / "html" / "good.html").read_text()

    def test_a_cell_that_raises_fails_the_build_and_names_the_page(self, tmp_path):
        """An exception in a cell fails the build; the message names the page and shows the cell."""
        broken = _page("Broken", "x = 1", "raise RuntimeError('this page is broken on purpose')")
        source = _site(tmp_path, {"good": GOOD, "broken-raises": broken})
        status, output = _build(source)
        assert status != 0
        assert re.search(r"broken-raises\.md.*Executing notebook failed", output), output
        assert "raise RuntimeError('this page is broken on purpose')" in output
        assert "RuntimeError" in output

    @pytest.mark.parametrize(
        "cell",
        [
            "import sys\nsys.stderr.write('a stray line on stderr\\n')",
            "import warnings\nwarnings.warn('a warning is stderr too', UserWarning)",
        ],
        ids=["sys.stderr", "warning"],
    )
    def test_a_cell_that_writes_to_stderr_fails_the_build_and_names_the_page(self, tmp_path, cell):
        """Python-level stderr output in a cell fails the build, naming the page."""
        source = _site(tmp_path, {"good": GOOD, "broken-stderr": _page("Noisy", cell)})
        status, output = _build(source)
        assert status != 0
        assert re.search(
            r"broken-stderr\.md:\d+: ERROR: stderr was found in the cell outputs", output
        ), output

    def test_a_figure_shown_as_text_fails_the_build(self, tmp_path):
        """A Matplotlib figure that renders as "<Figure size ...>" text fails the build."""
        page = _page(
            "Text figure", "from matplotlib.figure import Figure\nFigure().subplots()\nFigure()"
        )
        source = _site(tmp_path, {"text-figure": page})
        status, output = _build(source)
        assert status != 0
        assert re.search(r"text-figure\.md.*a cell shows a figure as text", output), output

    def test_an_output_showing_the_build_machines_paths_fails_the_build(self, tmp_path):
        """An output that shows where the build's Python lives, such as a repr, fails it."""
        page = _page("Paths", "import subprocess, sys\nsubprocess.run([sys.executable, '-c', ''])")
        source = _site(tmp_path, {"paths": page, "good": GOOD})
        status, output = _build(source)
        assert status != 0
        assert re.search(r"paths\.md.*output shows a path of the build machine", output), output

    def test_an_output_is_what_the_cell_printed_however_slowly(self, tmp_path):
        """A print that pauses between its parts shows as printed, with no blank line added.

        ipykernel sends printed text in chunks every 0.2 s by default, and MyST-NB joins
        the chunks of a stream with rstrip() + newline: a chunk that begins with a
        print's newline used to become a blank line.
        """
        page = _page(
            "Slow printing",
            "import time\nprint('before', end='')\ntime.sleep(0.6)\nprint('\\nafter')",
        )
        source = _site(tmp_path, {"slow": page})
        status, output = _build(source)
        assert status == 0, output
        html = (source / "_build" / "html" / "slow.html").read_text()
        assert re.search(r"<pre>(?:<span></span>)?before\nafter\n</pre>", html), html

    def test_tensorflow_log_noise_never_reaches_a_page(self, tmp_path):
        """TensorFlow's C++ start-up lines go to the build log; the page builds and shows none."""
        page = _page("TensorFlow", "import tensorflow as tf\nprint(tf.constant(2) * 21)")
        source = _site(tmp_path, {"tensorflow-page": page})
        status, output = _build(source, TF_CPP_MIN_LOG_LEVEL="0")
        assert status == 0, output
        html = (source / "_build" / "html" / "tensorflow-page.html").read_text()
        assert "42" in html
        for noise in ("I0000", "absl", "cuda", "oneDNN"):
            assert noise not in html


class TestWarmKernels:
    """The build's kernels forked from one that imported TensorFlow (docs/_ext/warm_kernels.py)."""

    def test_a_figure_after_tensorflow_is_an_image_and_the_noise_stays_off_the_page(self, tmp_path):
        """TensorFlow imports Matplotlib: the server must give it the kernels' inline backend."""
        page = _page(
            "Warm",
            "import tensorflow as tf\nprint(tf.constant(2) * 21)",
            "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
        )
        source = _site(tmp_path, {"warm": page})
        status, output = _build(source, LSTMDOC_DOCS_WARM_KERNELS="1", TF_CPP_MIN_LOG_LEVEL="0")
        assert status == 0, output
        html = (source / "_build" / "html" / "warm.html").read_text()
        assert "42" in html
        assert re.search(r"<img[^>]+\.png", html), html
        for noise in ("I0000", "absl", "cuda", "oneDNN"):
            assert noise not in html

    @pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="reads processes from /proc")
    def test_no_server_outlives_a_build_even_one_with_nothing_to_read(self, tmp_path):
        """conf.py starts the server before it knows whether a page will execute.

        A rebuild with nothing to read stops it at once; every build stops it by its
        end. The server's socket lives in the build's temporary folder, so its command
        line names that folder.
        """
        folder = Path(tempfile.mkdtemp(prefix="lk", dir="/tmp"))  # short: a socket's path
        try:
            source = _site(tmp_path, {"good": GOOD})
            for _ in range(2):
                status, output = _build(source, LSTMDOC_DOCS_WARM_KERNELS="1", TMPDIR=str(folder))
                assert status == 0, output
                assert not _servers_in(folder)
            assert _executed(output) == []  # the second build read nothing
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _servers_in(folder: Path) -> list[str]:
    """The command lines of running processes that name ``folder``."""
    found = []
    for process in Path("/proc").glob("[0-9]*"):
        try:
            command = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # gone meanwhile
            continue
        if str(folder) in command:
            found.append(command)
    return found


class TestCache:
    """Each test builds against its own copy of lstmdoc, so edits elsewhere cannot interfere."""

    @pytest.fixture
    def package(self, tmp_path: Path) -> Path:
        """A private copy of the lstmdoc source, imported through PYTHONPATH."""
        copy = tmp_path / "package" / "lstmdoc"
        shutil.copytree(ROOT / "lstmdoc", copy, ignore=shutil.ignore_patterns("__pycache__"))
        return copy

    def test_an_unchanged_rebuild_executes_nothing(self, tmp_path, package):
        """A second build with nothing changed starts no kernel."""
        source = _site(tmp_path, {"good": GOOD})
        first_status, first = _build(source, PYTHONPATH=str(package.parent))
        second_status, second = _build(source, PYTHONPATH=str(package.parent))
        assert (first_status, second_status) == (0, 0), first + second
        assert _executed(first) == ["good"]
        assert _executed(second) == []
        assert "Executing notebook" not in second

    def test_a_changed_page_is_re_executed_alone(self, tmp_path, package):
        """Changing one page's code re-executes that page only."""
        source = _site(tmp_path, {"good": GOOD, "other": _page("Other", "print(1)")})
        assert _build(source, PYTHONPATH=str(package.parent))[0] == 0
        (source / "other.md").write_text(_page("Other", "print(2)"))
        status, output = _build(source, PYTHONPATH=str(package.parent))
        assert status == 0, output
        assert _executed(output) == ["other"]

    def test_a_change_to_lstmdoc_re_executes_every_page(self, tmp_path, package):
        """Editing a comment in the package the kernels import re-executes every page."""
        # The copy's folder, not its whole path: a page may not show the build's paths.
        imports = _page(
            "Imports lstmdoc",
            "import lstmdoc, pathlib\nprint(pathlib.Path(lstmdoc.__file__).parts[-3])",
        )
        source = _site(tmp_path, {"good": GOOD, "imports": imports})
        environment = {"PYTHONPATH": str(package.parent)}
        status, first = _build(source, **environment)
        assert status == 0, first
        assert "package" in (source / "_build" / "html" / "imports.html").read_text()
        assert _executed(_build(source, **environment)[1]) == []
        counting = package / "counting" / "formulas.py"
        counting.write_text(counting.read_text() + "\n# a comment changes the package's source\n")
        status, output = _build(source, **environment)
        assert status == 0, output
        assert _executed(output) == ["good", "imports"]

    def test_a_change_to_the_kernel_profile_re_executes_every_page(self, tmp_path, package):
        """The kernels' profile decides how figures are saved; changing it re-executes all."""
        source = _site(tmp_path, {"good": GOOD, "other": _page("Other", "print(1)")})
        environment = {"PYTHONPATH": str(package.parent)}
        assert _build(source, **environment)[0] == 0
        profile = source / "_ipython" / "ipython_kernel_config.py"
        profile.write_text(profile.read_text() + "\n# a comment changes the profile\n")
        status, output = _build(source, **environment)
        assert status == 0, output
        assert _executed(output) == ["good", "other"]

    def test_the_cache_database_exists_before_any_page_is_read(self, tmp_path):
        """Reading conf.py creates the execution cache's database, before parallel readers race."""
        source = _site(tmp_path, {"good": GOOD})
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import runpy; print(runpy.run_path('conf.py')['nb_execution_cache_path'])",
            ],
            cwd=source,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        cache = Path(result.stdout.strip())
        assert cache.parent == source / "_build" / ".jupyter_cache"
        assert (cache / "global.db").is_file()

    def test_forced_execution_runs_every_page_every_time(self, tmp_path, package):
        """LSTMDOC_DOCS_EXECUTION=force executes every page even when nothing changed."""
        source = _site(tmp_path, {"good": GOOD, "other": _page("Other", "print(1)")})
        environment = {"PYTHONPATH": str(package.parent)}
        assert _build(source, **environment)[0] == 0
        for _ in range(2):
            status, output = _build(source, LSTMDOC_DOCS_EXECUTION="force", **environment)
            assert status == 0, output
            assert _executed(output) == ["good", "other"]

    def test_an_unknown_execution_mode_is_refused(self, tmp_path):
        """A typo in LSTMDOC_DOCS_EXECUTION stops the build with a message naming it."""
        source = _site(tmp_path, {"good": GOOD})
        status, output = _build(source, LSTMDOC_DOCS_EXECUTION="forced")
        assert status != 0
        assert "LSTMDOC_DOCS_EXECUTION must be 'cache' or 'force', got 'forced'" in output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small site, built twice over the same output: the second build must be clean."""
    prose = "# Prose\n\nA call such as `lstmdoc.explain(model, optimizer=None)` is code.\n"
    source = _site(tmp_path_factory.mktemp("lighter"), {"good": GOOD, "prose": prose})
    for build in ("first", "second"):
        status, output = _build(source)
        assert status == 0, f"{build} build:\n{output}"
    return source / "_build" / "html"


class TestLighterPages:
    """The built site carries what its pages use (docs/_ext/lighter.py), and no more."""

    def test_third_party_stylesheets_are_pruned(self, built):
        """MyST-NB's and Pygments' stylesheets lose the rules of classes no page uses."""
        import myst_nb  # noqa: PLC0415  (only this test needs to find its stylesheet)

        original = (Path(myst_nb.__file__).parent / "static" / "mystnb.css").read_text()
        (pruned,) = (built / "_static").glob("mystnb.*.css")
        assert len(pruned.read_text()) < len(original) / 2
        assert ".cell_output" in pruned.read_text()  # used by every executed cell
        assert ".highlight" in (built / "_static" / "pygments.css").read_text()

    def test_rules_of_classes_built_at_run_time_stay(self, built):
        """The tooltip rules the theme's search button needs stay, and the originals are kept.

        bootstrap.js builds their class (bs-tooltip-auto) from parts, so no file names it.
        """
        styles = Path("_static") / "styles" / "pydata-sphinx-theme.css"
        assert ".bs-tooltip-auto[data-popper-placement" in (built / styles).read_text()
        unpruned = (built.parent / "unpruned" / styles).read_text()
        assert len(unpruned) > len((built / styles).read_text())

    def test_the_icon_font_keeps_only_the_icons_drawn(self, built):
        """The solid icon font is cut to the few icons the theme's stylesheet can draw."""
        from fontTools.ttLib import TTFont  # noqa: PLC0415

        (font,) = built.rglob("fa-solid-900.woff2")
        with TTFont(font) as subset:
            characters = set(subset.getBestCmap())
        assert 0xF002 in characters  # the search button's magnifying glass
        assert 0 < len(characters) < 50
        assert font.stat().st_size < 10_000

    def test_inline_code_is_one_text_not_a_span_per_word(self, built):
        """Sphinx's <span class="pre"> around each word of inline code is not written."""
        page = (built / "prose.html").read_text()
        assert (
            '<code class="docutils literal notranslate">lstmdoc.explain(model, optimizer=None)</code>'
            in page
        )
        assert 'class="pre"' not in page.split('<article class="bd-article">')[1]

    def test_the_calculator_loads_on_the_home_page_only(self, built):
        """The calculator's stylesheet and script are linked from the home page alone."""
        home, other = (built / "index.html").read_text(), (built / "good.html").read_text()
        assert "calculator.css" in home
        assert "calculator.js" in home
        assert "calculator" not in other


class TestNotebookRequirement:
    def test_the_build_writes_what_its_notebooks_install(self, built):
        """_sources/requirements.txt holds the requirement each downloadable notebook names."""
        requirement = (built / "_sources" / "requirements.txt").read_text().strip()
        assert requirement.startswith("lstmdoc[notebooks]")
        notebook = (built / "_sources" / "good.ipynb").read_text()
        assert f'python -m pip install \\"{requirement}\\"' in notebook


CODE_BOX_WIDTH = 76
_CODE_CELL = re.compile(r"^```\{code-cell\} ipython3\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _visible_code_cells(page: str) -> list[str]:
    """The code of a page's cells whose code a reader sees (not remove-cell/remove-input)."""
    cells = []
    for body in _CODE_CELL.findall(page):
        lines = body.splitlines()
        options = []
        if lines and lines[0].startswith(":"):  # short options, such as :tags: [...]
            options = [line for line in lines if line.startswith(":")]
        elif lines and lines[0] == "---":  # a YAML block of options
            options = lines[: lines.index("---", 1) + 1]
        if not re.search(r"remove-(cell|input)", "\n".join(options)):
            cells.append("\n".join(lines[len(options) :]))
    return cells


class TestPages:
    PAGES = sorted(path for path in DOCS.rglob("*.md") if "_build" not in path.parts)

    def test_the_site_has_pages(self):
        """The site's pages are found (so the checks below check something)."""
        assert len(self.PAGES) >= 7

    @pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(DOCS)))
    def test_every_page_is_an_executed_notebook(self, page):
        """Every page is a MyST text notebook with a kernel, opening with a title."""
        text = page.read_text()
        front_matter = text.split("---\n")[1]
        assert "file_format: mystnb" in front_matter
        assert "kernelspec:" in front_matter
        assert "description:" in front_matter
        assert re.search(r"^# \S", text, flags=re.MULTILINE)

    @pytest.mark.parametrize(
        "page",
        [page for page in PAGES if page.name != "index.md"],
        ids=lambda path: str(path.relative_to(DOCS)),
    )
    def test_every_page_closes_with_takeaways(self, page):
        """Every page but the home page ends with a Takeaways section."""
        sections = re.findall(r"^## (.+)$", page.read_text(), flags=re.MULTILINE)
        assert sections[-1] == "Takeaways"

    def test_the_api_reference_documents_every_public_name(self):
        """Every name in lstmdoc.__all__ has an entry on the API reference pages."""
        import lstmdoc  # noqa: PLC0415  (only this test needs the package itself)

        api = "".join(path.read_text() for path in (DOCS / "reference").glob("api*.md"))
        documented = set(re.findall(r"\.\. (?:auto\w+|data|type):: (\w+)", api))
        assert set(lstmdoc.__all__) - {"__version__"} <= documented

    @pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(DOCS)))
    def test_every_visible_line_of_code_fits_its_box(self, page):
        """A reader sees each line of a shown code cell whole: at most 76 characters.

        On a desktop screen the code box shows about 78 characters; a longer line is
        cut off at its edge. Reformat a cell with ``ruff format --line-length 76``.
        """
        long_lines = [
            line
            for cell in _visible_code_cells(page.read_text())
            for line in cell.splitlines()
            if len(line) > CODE_BOX_WIDTH
        ]
        assert long_lines == []

    def test_no_page_is_excluded_from_execution(self):
        """conf.py excludes no page from execution and downloads no intersphinx inventory."""
        conf = (DOCS / "conf.py").read_text()
        assert "nb_execution_excludepatterns" not in conf
        assert "sphinx.ext.intersphinx" not in conf
