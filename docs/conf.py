"""Sphinx configuration of the lstmdoc site.

Every page is a MyST Markdown notebook that myst-nb executes at build time. The
build is strict: ``sphinx-build -n -W --keep-going`` turns any warning into a
failure, and here a cell that raises or writes to stderr is one. Build it with
``python -m nox -s docs``.

Executed pages are cached under ``_build/.jupyter_cache``, in a folder named after
a hash of the installed lstmdoc package (and of the libraries the pages use): a
change to the package's source starts a fresh cache and makes Sphinx read every
page again, so no page is ever served from an older lstmdoc.
``LSTMDOC_DOCS_EXECUTION=force`` executes every page regardless (for CI).
"""

from __future__ import annotations

import atexit
import gc
import hashlib
import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
BUILD = DOCS / "_build"
sys.path.insert(0, str(DOCS / "_ext"))

# The kernels of the pages to execute fork from one that imported TensorFlow once:
# docs/_ext/warm_kernels.py says how; LSTMDOC_DOCS_WARM_KERNELS=0 starts plain kernels
# instead, to compare. Its server starts first, before this file's own imports, so that
# its imports (seconds) are done while Sphinx loads its extensions. A build with no
# page to read stops it at once, and every build stops it once the pages are read.
import warm_kernels  # docs/_ext/warm_kernels.py

if os.environ.get("LSTMDOC_DOCS_WARM_KERNELS", "1") != "0":
    warm_kernels.start()
    atexit.register(warm_kernels.stop)  # also when the build stops on an error

import sphinx.builders
import sphinx.util.inspect
from docutils import nodes
from jupyter_cache import get_cache
from sphinx.util import logging

logger = logging.getLogger("lstmdoc.docs")

# --- project ------------------------------------------------------------------------

project = "lstmdoc"
author = "The lstmdoc developers"
project_copyright = "The lstmdoc developers"
release = metadata.version("lstmdoc")
version = ".".join(release.split(".")[:2])

import kernel_clients  # docs/_ext/kernel_clients.py
from notebooks import notebook_requirement  # docs/_ext/notebooks.py

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx_copybutton",
    "mathml",  # docs/_ext/mathml.py
    "notebooks",  # docs/_ext/notebooks.py
    "lighter",  # docs/_ext/lighter.py
    "raw_markup",  # docs/_ext/raw_markup.py
    "calculator",  # docs/_ext/calculator.py
]
exclude_patterns = ["_build", "_ext", "_ipython", "_templates", "Thumbs.db", ".DS_Store"]
nitpicky = True
# Names from NumPy, Matplotlib and the standard library that appear in lstmdoc's
# signatures. Resolving them would need intersphinx, which downloads inventories,
# and the build must work without a network; our own names are all resolved.
nitpick_ignore = [
    ("py:class", "numpy.float32"),
    ("py:class", "numpy.float64"),
    ("py:class", "numpy.floating"),
    ("py:class", "numpy.typing.NDArray"),
    ("py:class", "matplotlib.figure.Figure"),
    ("py:class", "Figure"),
    ("py:class", "Any"),
    ("py:class", "collections.abc.Mapping"),
    ("py:class", "collections.abc.Sequence"),
    ("py:class", "collections.abc.Callable"),
    ("py:class", "collections.abc.Hashable"),
    ("py:class", "collections.abc.Iterable"),
    ("py:class", "io.RawIOBase"),
    ("py:class", "os.PathLike"),
    ("py:class", "pathlib.Path"),
    # GateSet's type parameter: a TypeVar, which autodoc cannot document.
    ("py:obj", "lstmdoc.gates.GateType"),
]

# --- MyST and notebook execution ------------------------------------------------------

myst_enable_extensions = ["amsmath", "colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3

_execution = os.environ.get("LSTMDOC_DOCS_EXECUTION", "cache")
if _execution not in {"cache", "force"}:
    raise ValueError(f"LSTMDOC_DOCS_EXECUTION must be 'cache' or 'force', got {_execution!r}")
nb_execution_mode = _execution
nb_execution_timeout = 600  # seconds per cell; training takes seconds, a slow CI machine more
nb_execution_in_temp = True  # a page cannot leave files in the source tree
nb_execution_allow_errors = False
nb_execution_raise_on_error = False  # report the failure as a warning: --keep-going finds them all
nb_execution_show_tb = True  # the warning carries the failing cell and its traceback
nb_output_stderr = "error"  # anything a cell writes to stderr fails the build (with -W)
nb_merge_streams = True
# A cell's text/markdown output (IPython.display.Markdown) is rendered as GitHub-flavoured
# Markdown, as Jupyter renders it: MyST-NB's default, CommonMark, has no tables and would
# print a table as a paragraph of pipes.
nb_render_markdown_format = "gfm"
# Each page's kernel starts and stops without jupyter_client's fixed waits (0.3 s a page).
kernel_clients.use_in_executions()


def _source_commit() -> str | None:
    """The commit these docs were checked out at; None outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "HEAD"],
            cwd=DOCS,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git on this machine
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", commit) else None


def _lstmdoc_fingerprint() -> str:
    """Hash the source of the lstmdoc that the kernels import, their profile, and what pages use.

    The kernels run this interpreter in a temporary folder, so ask it there where
    lstmdoc is: this process may see another copy first (the current directory is
    on sys.path under ``python -m sphinx``). An editable install points back at the
    repository's ``lstmdoc/``.
    """
    with tempfile.TemporaryDirectory() as elsewhere:
        located = subprocess.run(
            [
                sys.executable,
                "-c",
                "import lstmdoc, pathlib; print(pathlib.Path(lstmdoc.__file__).parent)",
            ],
            cwd=elsewhere,
            capture_output=True,
            text=True,
            check=False,
        )
    if located.returncode != 0:
        raise RuntimeError(f"the docs need lstmdoc installed (pip install -e .):\n{located.stderr}")
    package = Path(located.stdout.strip())
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    # The kernels' profile decides how figures are saved (format, dots per inch).
    digest.update((DOCS / "_ipython" / "ipython_kernel_config.py").read_bytes())
    for distribution in ("numpy", "keras", "tensorflow", "matplotlib", "ipykernel"):
        try:
            digest.update(f"{distribution}=={metadata.version(distribution)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{distribution} missing".encode())
    return digest.hexdigest()[:16]


lstmdoc_fingerprint = _lstmdoc_fingerprint()
_cache_root = BUILD / ".jupyter_cache"
nb_execution_cache_path = str(_cache_root / lstmdoc_fingerprint)
if _cache_root.is_dir():  # caches of older versions of the package are never used again
    for _stale in _cache_root.iterdir():
        if _stale.name != lstmdoc_fingerprint:
            shutil.rmtree(_stale, ignore_errors=True)
# The tutorial's trained weights, which later pages load (lstmdoc.example.trained_model),
# are kept in the build folder too, one folder per fingerprint: the build never reads
# or writes the reader's own cache, and a cold build (docs/_build removed) trains afresh.
_weights_root = BUILD / ".lstmdoc_cache"
if _weights_root.is_dir():
    for _stale in _weights_root.iterdir():
        if _stale.name != lstmdoc_fingerprint:
            shutil.rmtree(_stale, ignore_errors=True)
os.environ["LSTMDOC_CACHE_DIR"] = str(_weights_root / lstmdoc_fingerprint)  # kernels inherit it
# jupyter-cache creates its database when first used. Under -j auto, two of Sphinx's
# reader processes can both find it missing and both create it, and one fails the
# build ("table settings already exists"). So create it here, once, before they start.
get_cache(nb_execution_cache_path).list_cache_records()

# The kernels inherit this process's environment.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # fewer of TensorFlow's C++ log lines
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's start-up warning
os.environ["COLUMNS"] = "78"  # argparse wraps the CLI's help to this width on every machine
# A private IPython profile whose kernel config keeps C-level log noise off the pages.
_ipython_dir = BUILD / ".ipython"
(_ipython_dir / "profile_default").mkdir(parents=True, exist_ok=True)
shutil.copyfile(
    DOCS / "_ipython" / "ipython_kernel_config.py",
    _ipython_dir / "profile_default" / "ipython_kernel_config.py",
)
os.environ["IPYTHONDIR"] = str(_ipython_dir)
# Matplotlib logs "building the font cache" to stderr the first time it is imported
# on a machine; build the cache here, in the build's own log, not in a page's cell.
import matplotlib.font_manager  # noqa: F401

# --- API reference ------------------------------------------------------------------

autodoc_member_order = "bysource"
# A resolved type reads as its name alone: FloatArray, not lstmdoc.FloatArray.
python_use_unqualified_type_names = True
# lstmdoc's array types (lstmdoc/_types.py) print as their short names, each linked to its
# entry in the API reference: NumPy would print them in full, and newer NumPy as a private
# name of its own (numpy._typing._array_like.NDArray) that no reference resolves.
import lstmdoc._types

autodoc_type_aliases = {name: f"lstmdoc.{name}" for name in lstmdoc._types.__all__}
# Sphinx leaves an alias inside another type (FloatArray | None, tuple[FloatArray, ...])
# as the repr of its placeholder, TypeAliasForwardRef('lstmdoc.FloatArray'), which no
# reference resolves (sphinx-doc/sphinx#9736): let the placeholder print as the name.
sphinx.util.inspect.TypeAliasForwardRef.__repr__ = lambda alias: alias.name
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_default_options = {"members": True, "show-inheritance": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

# --- HTML ---------------------------------------------------------------------------

# Where the project lives once published: the launch buttons and the notebooks that
# Binder and Colab open are found here. Change it with the repository's real address.
REPOSITORY_URL = "https://github.com/lstmdoc/lstmdoc"
# What the first cell of each downloadable notebook, and Colab and Binder, install:
# lstmdoc with TensorFlow and Matplotlib, of the release this site was built from, or,
# between releases, of this commit from the repository (docs/_ext/notebooks.py).
lstmdoc_notebook_requirement = notebook_requirement(release, REPOSITORY_URL, _source_commit())

html_theme = "sphinx_book_theme"
html_math_renderer = "mathml"  # rendered at build time: no MathJax download when a page opens
html_title = "lstmdoc"
html_favicon = "_static/favicon.svg"  # without one, every browser asks for a missing /favicon.ico
html_static_path = ["_static"]
templates_path = ["_templates"]  # a lighter icon set and a search button named as it reads
# sphinx-book-theme's primary sidebar, with its site title (navbar-logo.html) in a landmark.
html_sidebars = {
    "**": ["site-title.html", "icon-links.html", "search-button-field.html", "sbt-sidebar-nav.html"]
}
html_css_files = ["lstmdoc.css", "calculator.css"]
# The calculator's data, lstmdoc's layer families (written by _ext/calculator.py), then
# the calculator, which evaluates them.
html_js_files = [("families.js", {"defer": "defer"}), ("calculator.js", {"defer": "defer"})]
_HOME_PAGE_ONLY = {"calculator.css", "families.js", "calculator.js"}  # the calculator's
html_last_updated_fmt = None
# The Python module index would list one module, lstmdoc: the API reference is that page.
html_domain_indices = False
# Follow the reader's system light or dark preference until they pick one. Left unset,
# the theme logs "Got invalid theme mode" to the console on every page.
html_context = {"default_mode": "auto"}
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "repository_url": REPOSITORY_URL,
    "path_to_docs": "docs",
    # The executed notebooks, published by .github/workflows/docs.yml (see _ext/notebooks.py).
    "repository_branch": "notebooks",
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "jupyterlab",
    },
}

# A copy button on every code cell and code block, never on a cell's output, copying
# the code alone: no console prompt ($, >>>, ...) and no console output.
copybutton_selector = "div:not(.output) > div.highlight > pre"
copybutton_exclude = ".linenos, .gp, .go"
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True


_RESOLVE_AUTO_MODE = """\
(function () {
  var root = document.documentElement;
  if (root.dataset.theme !== "light" && root.dataset.theme !== "dark") {
    var dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "dark" : "light";
  }
})();"""

# Pages that Sphinx writes itself have no front matter to carry a description.
_GENERATED_PAGE_DESCRIPTIONS = {
    "genindex": "Index of lstmdoc's documentation: every function, class and term, A to Z.",
    "search": "Search lstmdoc's documentation, offline, in your browser.",
}


def _describe_generated_pages(
    _app: Any, pagename: str, _templatename: str, context: dict[str, Any], _doctree: Any
) -> None:
    """Give Sphinx's own pages (index, search) the meta description every page has."""
    if pagename in _GENERATED_PAGE_DESCRIPTIONS and 'name="description"' not in context.get(
        "metatags", ""
    ):
        description = _GENERATED_PAGE_DESCRIPTIONS[pagename]
        context["metatags"] = (
            context.get("metatags", "") + f'<meta name="description" content="{description}" />\n'
        )


def _calculator_on_the_home_page_only(
    _app: Any, pagename: str, _templatename: str, context: dict[str, Any], _doctree: Any
) -> None:
    """Leave the calculator's stylesheet and script out of every page but the home page."""
    if pagename == "index":
        return
    for assets in ("css_files", "script_files"):
        context[assets] = [
            asset
            for asset in context.get(assets, [])
            if Path(str(getattr(asset, "filename", asset)).split("?")[0]).name
            not in _HOME_PAGE_ONLY
        ]


_VALUE_DOCSTRINGS: dict[str, list[str]] = {}


def _keep_value_docstring(
    _app: Any, what: str, name: str, _obj: Any, _options: Any, lines: list[str]
) -> None:
    """Stash the docstring of a property or data before napoleon sees it."""
    if what in {"property", "attribute", "data"}:
        _VALUE_DOCSTRINGS[name] = list(lines)


def _restore_value_docstring(
    _app: Any, _what: str, name: str, _obj: Any, _options: Any, lines: list[str]
) -> None:
    """Undo napoleon on a property or data docstring.

    Napoleon reads whatever precedes the first colon of such a docstring as the
    value's type, so "The layer's parameter count: the sum of ..." would render as
    a type named "The layer's parameter count". Ours are plain sentences, with no
    sections for napoleon to convert.
    """
    if name in _VALUE_DOCSTRINGS:
        lines[:] = _VALUE_DOCSTRINGS.pop(name)


_FIGURE_AS_TEXT = re.compile(r"<Figure size \d+x\d+ with \d+ Axes>")


def _warn_about_figures_shown_as_text(_app: Any, doctree: nodes.document, _docname: str) -> None:
    """Fail the build where a cell shows a Matplotlib figure as its text repr.

    Jupyter shows a Figure as an image only once its inline backend is active
    (pyplot imported); otherwise the page would read "<Figure size ...>".
    """
    for block in doctree.findall(nodes.literal_block):
        if _FIGURE_AS_TEXT.search(block.astext()):
            logger.warning(
                "a cell shows a figure as text, not an image: import matplotlib.pyplot first",
                location=block,
            )


# Where this build runs: no reader's machine has these folders, so no output shows them.
_BUILD_MACHINE_PATHS = tuple(sorted({str(DOCS.parent), sys.prefix}, key=len, reverse=True))


def _warn_about_build_paths_in_outputs(_app: Any, doctree: nodes.document, _docname: str) -> None:
    """Fail the build where a cell's output shows a path of the machine that built the site.

    Such a path, in a repr like ``CompletedProcess(args=['/home/.../python', ...])`` or a
    traceback, means nothing to a reader and changes from machine to machine.
    """
    for block in doctree.findall(nodes.literal_block):
        if "output" not in block.get("classes", []):
            continue
        text = block.astext()
        for path in _BUILD_MACHINE_PATHS:
            if path in text:
                logger.warning(
                    "a cell's output shows a path of the build machine (%s)", path, location=block
                )
                break


# Pages read (and so executed) first, slowest first: the tutorial leads, because it
# trains the model and saves the weights that later pages load instead of training
# again (lstmdoc.example.trained_model; a page that comes too early trains it itself).
# The rest follow in alphabetical order.
_READ_FIRST = [
    "tutorial/memorise-a-sequence",
    "how-to/train-tiny-models-fast",
    "explanation/parameter-count",
    "how-to/explain-any-model",
    "explanation/pytorch-count",
    "explanation/common-questions",
    "reference/cli",
]


def _read_slowest_first(_app: Any, _env: Any, docnames: list[str]) -> None:
    """Order the pages to read: those of _READ_FIRST first, in its order, then the rest."""
    first = {docname: index for index, docname in enumerate(_READ_FIRST)}
    docnames.sort(key=lambda docname: (first.get(docname, len(first)), docname))


def _import_what_autodoc_documents(_app: Any, _env: Any, docnames: list[str]) -> None:
    """Import lstmdoc's modules once, before Sphinx forks a process for each page to read.

    Each page is read in a fork of this process (see _one_page_per_chunk), and
    autodoc imports the modules a page documents: seven reference pages would each
    import them again, about 0.4 s apiece. Imported here, every fork has them. None
    imports TensorFlow or torch (reference/internals.md shows it).
    """
    if not docnames:
        return
    import lstmdoc  # noqa: PLC0415

    for module in pkgutil.walk_packages(lstmdoc.__path__, "lstmdoc."):
        if module.name != "lstmdoc.__main__":  # the command line itself: it would run
            importlib.import_module(module.name)


def _freeze_what_is_built_so_far(*_: Any) -> None:
    """Leave the objects made so far out of Python's garbage collections from now on.

    The main process's heap (the environment, lstmdoc's modules, the doctrees) grows
    with the build, and every full collection walks it all: in the process that prunes
    the stylesheets, where tinycss2 makes millions of small objects, and in each fork
    that reads or writes a page, which inherits it. Python's documentation advises
    gc.freeze() before forking for this. Called before the pages are read, before
    they are written and before the finished site is pruned: a cold build on two cores
    took about 1.5 s less, the pruning 1.6 s where it took 2.1 s.
    """
    gc.freeze()


def _stop_warm_kernels_unless_needed(_app: Any, _env: Any, docnames: list[str]) -> None:
    if not docnames:
        warm_kernels.stop()


def _one_page_per_chunk(docnames: Any, nproc: int, _maxbatch: int = 10) -> list[list[str]]:
    """Give each of Sphinx's parallel processes one page at a time, in reading order.

    Sphinx splits the pages into as many chunks as there are cores, in reading
    order, and each process executes its chunk's pages one after another: with two
    cores, one could get the slowest pages and finish long after the other. With
    one page per chunk, a core that is done takes the next page. Sphinx starts the
    first ``nproc`` chunks, then the waiting ones newest first
    (``ParallelTasks._join_one`` pops the last one added), so the rest are listed
    last first, to be started in reading order.
    """
    chunks = [[docname] for docname in docnames]
    return chunks[:nproc] + chunks[nproc:][::-1]


# The one place Sphinx splits work (sphinx/builders/__init__.py), for reading and writing.
sphinx.builders.make_chunks = _one_page_per_chunk


def setup(app: Any) -> dict[str, Any]:
    """Make a change of lstmdoc's source, or forced execution, re-read every page."""
    app.connect("autodoc-process-docstring", _keep_value_docstring, priority=400)
    app.connect("autodoc-process-docstring", _restore_value_docstring, priority=600)
    # After myst-nb has picked each output's format: a figure's text/plain
    # alternative, kept next to its image until then, is not a mistake.
    app.connect("doctree-resolved", _warn_about_figures_shown_as_text)
    app.connect("doctree-resolved", _warn_about_build_paths_in_outputs)
    app.connect("env-before-read-docs", _read_slowest_first)
    app.connect("env-before-read-docs", _stop_warm_kernels_unless_needed)
    app.connect("env-before-read-docs", _import_what_autodoc_documents)
    app.connect("env-before-read-docs", _freeze_what_is_built_so_far, priority=900)
    app.connect("env-updated", _freeze_what_is_built_so_far, priority=900)
    app.connect("build-finished", _freeze_what_is_built_so_far, priority=100)
    app.connect("env-updated", warm_kernels.stop)  # after the last page is read
    # A config value with rebuild="env": Sphinx re-reads every page when it changes.
    app.add_config_value("lstmdoc_fingerprint", "", "env")
    # Before the first paint, resolve the theme's "auto" mode to light or dark, so that a
    # page never shows without its colours while the theme's deferred script loads.
    app.add_js_file(None, body=_RESOLVE_AUTO_MODE, priority=100)
    app.connect("html-page-context", _describe_generated_pages)
    app.connect("html-page-context", _calculator_on_the_home_page_only)
    if nb_execution_mode == "force":
        # Sphinx skips unchanged pages; forced execution must still run all of them.
        app.connect("env-get-outdated", lambda _app, env, *_: sorted(env.found_docs))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
