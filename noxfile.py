#!/usr/bin/env -S uv run --script
# /// script
# dependencies = ["nox[uv]>=2025.2.9"]
# ///
"""The project's jobs, one session each: ``python -m nox -l`` lists them."""

from __future__ import annotations

import os
import platform
import shutil
from collections.abc import Sequence
from pathlib import Path

import nox
from packaging.specifiers import SpecifierSet

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"

PYPROJECT = nox.project.load_toml("pyproject.toml")
# Every session runs on the Python that runs nox: refuse one that lstmdoc does not support
# at once, not after minutes of installing.
_SUPPORTED = SpecifierSet(PYPROJECT["project"]["requires-python"])
if platform.python_version() not in _SUPPORTED:
    raise SystemExit(
        f"lstmdoc needs Python {_SUPPORTED}; this is {platform.python_version()}. "
        "Run nox with a newer Python: python3.11 -m pip install 'nox[uv]' && python3.11 -m nox"
    )
# TensorFlow's C++ start-up lines are not ours to show; keep test and build logs readable.
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}
# The zoo builds Keras models on TensorFlow and never reaches for a model hub.
ZOO_ENVIRONMENT = {
    **QUIET_TENSORFLOW,
    "KERAS_BACKEND": "tensorflow",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}
# Every kernel and test process imports TensorFlow afresh: compile its modules once, at
# install, not in each process (uv does not by default, and with PYTHONDONTWRITEBYTECODE
# set nothing would ever cache them). This makes each executed page about 1.7x faster.
COMPILE_BYTECODE = {"UV_COMPILE_BYTECODE": "1"}
# What the canary reports it built with: the libraries that can break the site.
_SITE_BUILDERS = ["pydata-sphinx-theme", "sphinx-book-theme", "myst-nb", "tinycss2", "tensorflow"]
# pytest on every core. worksteal: a few tests (a page's cells) take far longer than the
# rest; an idle worker takes queued tests from a busy one instead of waiting.
_PARALLEL = ["-n", "auto", "--dist", "worksteal"]
# Sphinx's processes for the site, each reading (and executing) one page at a time: one
# more than the cores. Each page's process waits at times (its kernel starting and
# stopping, the answers of each cell), and the extra process keeps the cores busy
# meanwhile: a cold build on two cores took 33 s with three, 37 s with two (-j auto);
# four were no faster than three. The bench builds with the same number.
SPHINX_PROCESSES = str((os.cpu_count() or 1) + 1)
_PRINT_VERSIONS = (
    "from importlib.metadata import version; print({{n: version(n) for n in {names}}})"
)


@nox.session(default=True)
def lint(session: nox.Session) -> None:
    """Check style with ruff, types with mypy and spelling with codespell."""
    _install(session, "lint", "test")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("codespell")


@nox.session(default=True)
def tests(session: nox.Session) -> None:
    """Run the library's tests against real Keras, on every core; arguments after -- go to pytest.

    The tests marked docs, which build sites or run the site's pages, are left to
    nox -s docs-tests; ``-- -n 0`` runs the rest in one process.
    """
    _install(session, "test")
    session.run("pytest", "-m", "not docs", *_PARALLEL, *session.posargs, env=QUIET_TENSORFLOW)


@nox.session(name="docs-tests", default=False)
def docs_tests(session: nox.Session) -> None:
    """Test the site's build and pages: small sites built strictly, each page's visible cells.

    Runs the tests marked docs. Each page's visible cells run alone in a fresh kernel,
    with the commands its hidden cells show read from the site's executed pages: build
    the site first (nox -s docs). Arguments after -- go to pytest.
    """
    _install(session, "test")
    session.run("pytest", "-m", "docs", *_PARALLEL, *session.posargs, env=QUIET_TENSORFLOW)


@nox.session(default=True)
def dist(session: nox.Session) -> None:
    """Build the sdist and wheel into dist/ and check them as PyPI and a packager would."""
    _install(session, "dist", editable=False)
    for old in Path("dist").glob("*"):
        old.unlink()
    # The sdist first, then the wheel from the unpacked sdist: the wheel proves that
    # the sdist alone builds, with the version it recorded.
    session.run("python", "-m", "build", "--installer=uv", "--outdir=dist")
    session.run("twine", "check", "--strict", *map(str, Path("dist").glob("*")))
    # The wheel holds the lstmdoc package alone: no tests, docs or benchmarks.
    session.run("check-wheel-contents", "--toplevel=lstmdoc", *map(str, Path("dist").glob("*.whl")))
    session.run("pytest", "tests/packaging", *session.posargs)


@nox.session(default=True, requires=["dist"])
def minimal(session: nox.Session) -> None:
    """Prove that the built wheel, its counting and lstmdoc explain work with NumPy alone.

    Without PyTorch, lstmdoc explain FILE.pt says in one line how to install it.
    """
    (wheel,) = Path("dist").glob("lstmdoc-*.whl")
    # A fresh environment with the wheel and what it requires, NumPy, and nothing else.
    session.install(str(wheel), *_lock_constraints(session))
    session.run("python", "tests/check_minimal_install.py")
    session.run("lstmdoc", "count", "lstm", "--units", "20", "--features", "1")
    session.run("lstmdoc", "explain", "tests/data/tutorial.keras")
    session.run("lstmdoc", "--version")


@nox.session(default=False, venv_backend="virtualenv")
def torch(session: nox.Session) -> None:
    """Prove lstmdoc's PyTorch counts, converters and explanations against real PyTorch, on the CPU.

    Runs tests/pytorch/against_torch: every explained module's count against PyTorch's own, over
    random stacks of modules, saved state_dicts read back, and the PyTorch page's
    code, which the site's build (without PyTorch) shows but does not run.
    """
    # pip, not uv: where a CPU wheel of the pinned torch lies in pip's find-links (as on
    # CI's machine, for Python 3.11), pip takes it, where uv would fetch the
    # multi-gigabyte CUDA build of the same version; elsewhere both take PyPI's build.
    _install(session, "torch")
    session.run(
        "python",
        "-c",
        "import torch; assert torch.__version__.split('+')[0] == '2.13.0', torch.__version__",
    )
    session.run(
        "pytest", "tests/pytorch/against_torch", *session.posargs, env={"KERAS_BACKEND": "torch"}
    )


@nox.session(default=False, python="3.11", venv_backend="virtualenv")
def zoo(session: nox.Session) -> None:
    """Explain real models, live and from their files, against Keras' and PyTorch's own counts.

    Builds keras.applications, keras-hub, transformers, torchvision and timm models from
    small configurations (tests/zoo; no weights are downloaded), holds each report to
    the framework's count, and prints a table of every model's rows and checks, the
    share of rows derived by a rule, and what lstmdoc gets wrong. Arguments after --
    go to pytest, e.g. -- -k gpt2.
    """
    # pip, not uv, as for the torch session: pip finds the CPU wheel of the pinned torch,
    # and with it torchvision's wheel needs no other torch.
    _install(session, "zoo")
    session.run(
        "python", "-c", "import torch; assert torch.__version__ == '2.13.0+cpu', torch.__version__"
    )
    # One process: two pytest-xdist workers took more CPU time in all than one process
    # (each imports TensorFlow and PyTorch, and their threads compete for two cores).
    # -rfE: the table's findings name every known failure; pytest lists only the rest.
    session.run("pytest", "tests/zoo", "-rfE", *session.posargs, env=ZOO_ENVIRONMENT)


@nox.session(default=False, reuse_venv=True)
def docs(session: nox.Session) -> None:
    """Build the site strictly; at a terminal with no arguments, serve it with live reload.

    Arguments after -- go to sphinx-build. LSTMDOC_DOCS_EXECUTION=force executes
    every page instead of using the cache of executed pages (CI does this).
    """
    live = session.interactive and not session.posargs
    _install(session, "docs-live" if live else "docs")
    # -n: every cross-reference must resolve; -W --keep-going: report all warnings, then fail.
    # -j: pages execute in parallel, a kernel per process (the cache is shared safely).
    strict = ["-n", "-W", "--keep-going", "-j", SPHINX_PROCESSES, "-d", "docs/_build/doctrees"]
    if live:
        session.run(
            "sphinx-autobuild",
            *strict,
            "--host=127.0.0.1",
            "--watch=lstmdoc",  # a change to the package re-executes the pages
            "--ignore=docs/_build",
            "docs",
            "docs/_build/html",
            env=QUIET_TENSORFLOW,
        )
    else:
        session.run(
            "sphinx-build",
            *strict,
            "-b",
            "html",
            *session.posargs,
            "docs",
            "docs/_build/html",
            env=QUIET_TENSORFLOW,
        )


@nox.session(default=False)
def canary(session: nox.Session) -> None:
    """Build the site against the newest releases, not uv.lock; run the theme's tests.

    A new Sphinx, theme or TensorFlow that breaks the build, the template overrides or
    the stylesheet pruning fails here before the lock is bumped. The site is built in a
    temporary copy, from this checkout's execution cache where the libraries that run
    the pages are unchanged, so it leaves docs/_build as it was.
    """
    _install(session, "docs", "test", locked=False)
    session.run("python", "-c", _PRINT_VERSIONS.format(names=["sphinx", *_SITE_BUILDERS]))
    copy = Path(session.virtualenv.location) / "canary"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree("docs", copy / "docs", ignore=shutil.ignore_patterns("_build"))
    shutil.copy("README.md", copy / "README.md")  # the home page includes it
    cache = Path("docs/_build/.jupyter_cache")
    if cache.is_dir():
        shutil.copytree(cache, copy / "docs" / "_build" / ".jupyter_cache")
    build = copy / "docs" / "_build"
    session.run(
        "sphinx-build",
        *["-n", "-W", "--keep-going", "-j", SPHINX_PROCESSES, "-q", "-d", str(build / "doctrees")],
        *["-b", "html", str(copy / "docs"), str(build / "html")],
        env={**QUIET_TENSORFLOW, "LSTMDOC_DOCS_EXECUTION": "cache"},
    )
    session.run(
        "pytest",
        "tests/test_docs_templates.py",
        "tests/test_docs_lighter.py",
        "tests/test_docs_notebooks.py",
        *session.posargs,
    )


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Time the site build, the CLI and the NumPy LSTM side by side; print medians and ratios.

    The seed script and a cold build of the site are timed in pairs, each with the load
    average, and every page's execution time is listed. Arguments after -- go to
    benchmarks/bench.py (see its --help), e.g. -- --only site --runs 1.
    """
    _install(session, "docs")
    session.run(
        "python",
        "benchmarks/bench.py",
        *["--processes", SPHINX_PROCESSES],
        *session.posargs,
        env=QUIET_TENSORFLOW,
    )


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Test the built site in Chromium: pages, accessibility, calculator, notebooks, Lighthouse.

    Also writes full-page screenshots of every page (desktop and phone, light and dark)
    to docs/_build/screenshots/, to review the site as pictures. Build the site first
    (nox -s docs). Needs Debian's chromium (/usr/bin/chromium) and Node.js with npm.
    The pages' tests run on every core, then Lighthouse's alone, one page at a time.
    Arguments after -- go to one pytest run instead of the two below.
    """
    # lstmdoc[notebooks], what a downloaded notebook tells its reader to install.
    _install(session, "browser", extras=["notebooks"])
    # axe-core and Lighthouse, pinned by tests/browser/package-lock.json; no install scripts.
    session.run(
        "npm",
        "ci",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--prefix",
        "tests/browser",
        external=True,
    )
    browser_tests = "tests/browser"
    if session.posargs:  # paths and options for one pytest run, e.g. -- -k calculator
        paths = [arg for arg in session.posargs if arg.startswith("tests/")]
        session.run(
            "pytest", *([] if paths else [browser_tests]), *session.posargs, env=QUIET_TENSORFLOW
        )
        return
    lighthouse = f"{browser_tests}/test_lighthouse.py"
    # This run writes every page's screenshots afresh: none of a page since removed stays.
    shutil.rmtree("docs/_build/screenshots", ignore_errors=True)
    # On every core: each test loads its page in a profile of its own, and none is timed.
    # On CI's two cores (4 December 2026) one process took 615 s at a load average of 4
    # to 5, two workers 446 s at 5 to 10.
    session.run("pytest", browser_tests, f"--ignore={lighthouse}", *_PARALLEL, env=QUIET_TENSORFLOW)
    # Alone, so that no other work on the machine slows the pages Lighthouse times.
    # -rP prints each page's scores, run by run, into the log.
    session.run("pytest", lighthouse, "-raP", env=QUIET_TENSORFLOW)


# --- helpers ------------------------------------------------------------------------


def _install(
    session: nox.Session,
    *groups: str,
    extras: list[str] | None = None,
    editable: bool = True,
    locked: bool = True,
) -> None:
    """Install lstmdoc (editable) with ``extras`` and these dependency groups, as uv.lock pins them.

    With ``editable=False``, the groups alone: the session builds lstmdoc itself.
    With ``locked=False``, the newest releases that pyproject.toml's ranges allow.
    """
    project = [] if not editable else ["-e", f".[{','.join(extras)}]" if extras else "."]
    session.install(
        *project,
        *nox.project.dependency_groups(PYPROJECT, *groups),
        *(_lock_constraints(session, *groups, extras=extras or []) if locked else []),
        env=COMPILE_BYTECODE,
    )


def _lock_constraints(session: nox.Session, *groups: str, extras: Sequence[str] = ()) -> list[str]:
    """pip's options to hold every package at its uv.lock version.

    The versions are constraints, not requirements: what is installed is what
    pyproject.toml asks for, at the version the lock chose. --locked fails when
    pyproject.toml has changed and uv.lock was not refreshed (``uv lock``).
    """
    # In the environment's folder: session.create_tmp() would also point TMPDIR into this
    # checkout, where the tests' temporary copies of the docs would find its git history.
    name = f"uv-lock-constraints-{'-'.join(groups) or 'lstmdoc'}.txt"
    constraints = Path(session.virtualenv.location) / name
    session.run(
        _uv(session),
        "export",
        "--locked",
        "--quiet",
        "--no-emit-project",
        "--no-hashes",
        "--no-header",
        "--no-annotate",
        "--no-default-groups",
        *[f"--group={group}" for group in groups],
        *[f"--extra={extra}" for extra in extras],
        f"--output-file={constraints}",
        external=True,
        silent=True,
    )
    return ["--constraint", str(constraints)]


def _uv(session: nox.Session) -> str:
    """The uv program this session can run: its own, nox's, or one installed beside it now.

    nox installed without its uv extra (``pipx install nox``) has none, and nox finds
    its own (``nox.virtualenv.UV``) for sessions on its uv backend only: the torch
    session, on virtualenv, would look for a uv on PATH that may not exist.
    """
    if shutil.which("uv", path=session.bin):
        return "uv"
    if nox.virtualenv.HAS_UV:
        return nox.virtualenv.UV
    # Installed by the session's pip (the virtualenv backend's), beside the sessions'
    # environments rather than into this one: the minimal session must hold lstmdoc and
    # NumPy alone. Once, for every session.
    folder = Path(session.virtualenv.location).parent / "_uv"
    program = folder / "bin" / "uv"
    if not program.is_file():
        uv = nox.project.dependency_groups(PYPROJECT, "uv")
        session.run("python", "-m", "pip", "install", "--quiet", f"--target={folder}", *uv)
    return str(program)


if __name__ == "__main__":
    nox.main()
