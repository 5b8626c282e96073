#!/usr/bin/env -S uv run --script
# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""The project's jobs, one session each: ``python -m nox -l`` lists them."""

from __future__ import annotations

import shutil

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"

PYPROJECT = nox.project.load_toml("pyproject.toml")
# TensorFlow's C++ start-up lines are not ours to show; keep test and build logs readable.
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}
# Every kernel and test process imports TensorFlow afresh: compile its modules once, at
# install, not in each process (uv does not by default, and with PYTHONDONTWRITEBYTECODE
# set nothing would ever cache them). This makes each executed page about 1.7x faster.
COMPILE_BYTECODE = {"UV_COMPILE_BYTECODE": "1"}


@nox.session(default=True)
def lint(session: nox.Session) -> None:
    """Check style with ruff, types with mypy and spelling with codespell."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "lint", "test"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("codespell")


@nox.session(default=True)
def tests(session: nox.Session) -> None:
    """Run the test suite against real Keras, on every core; arguments after -- go to pytest.

    The suite executes every page's visible cells in fresh kernels, minutes of work
    that pytest-xdist spreads over the cores; ``-- -n 0`` runs it in one process.
    """
    session.install(
        "-e",
        ".",
        *nox.project.dependency_groups(PYPROJECT, "test"),
        env=COMPILE_BYTECODE,
    )
    # worksteal: a few tests (a page's cells) take far longer than the rest; an idle
    # worker takes queued tests from a busy one instead of waiting.
    parallel = ["-n", "auto", "--dist", "worksteal"]
    session.run("pytest", *parallel, *session.posargs, env=QUIET_TENSORFLOW)


@nox.session(default=True)
def minimal(session: nox.Session) -> None:
    """Prove that lstmdoc, its counting and lstmdoc explain work with NumPy alone, no TensorFlow."""
    session.install(".")
    session.run("python", "tests/check_minimal_install.py")
    session.run("lstmdoc", "count", "lstm", "--units", "20", "--features", "1")
    session.run("lstmdoc", "explain", "tests/data/tutorial.keras")


@nox.session(default=False, python="3.11", venv_backend="virtualenv")
def torch(session: nox.Session) -> None:
    """Prove lstmdoc's PyTorch counts and converters against real PyTorch, on the CPU."""
    # pip, not uv: pip finds the CPU wheel of the pinned torch where uv would fetch the
    # multi-gigabyte CUDA build of the same version.
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "torch"))
    session.run(
        "python", "-c", "import torch; assert torch.__version__ == '2.13.0+cpu', torch.__version__"
    )
    session.run("pytest", "tests/pytorch", *session.posargs, env={"KERAS_BACKEND": "torch"})


@nox.session(default=False, reuse_venv=True)
def docs(session: nox.Session) -> None:
    """Build the site strictly; at a terminal with no arguments, serve it with live reload.

    Arguments after -- go to sphinx-build. LSTMDOC_DOCS_EXECUTION=force executes
    every page instead of using the cache of executed pages (CI does this).
    """
    live = session.interactive and not session.posargs
    session.install(
        "-e",
        ".",
        *nox.project.dependency_groups(PYPROJECT, "docs-live" if live else "docs"),
        env=COMPILE_BYTECODE,
    )
    # -n: every cross-reference must resolve; -W --keep-going: report all warnings, then fail.
    # -j auto: pages execute in parallel, one kernel per core (the cache is shared safely).
    strict = ["-n", "-W", "--keep-going", "-j", "auto", "-d", "docs/_build/doctrees"]
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
def bench(session: nox.Session) -> None:
    """Time the site build, the CLI and the NumPy LSTM side by side; print medians and ratios.

    Arguments after -- go to benchmarks/bench.py (see its --help), e.g. -- --runs 1.
    """
    session.install(
        "-e", ".", *nox.project.dependency_groups(PYPROJECT, "docs"), env=COMPILE_BYTECODE
    )
    session.run("python", "benchmarks/bench.py", *session.posargs, env=QUIET_TENSORFLOW)


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Test the built site in Chromium: pages, accessibility, calculator, notebooks, Lighthouse.

    Also writes full-page screenshots of every page (desktop and phone, light and dark)
    to docs/_build/screenshots/, to review the site as pictures. Build the site first
    (nox -s docs). Needs Debian's chromium (/usr/bin/chromium) and Node.js with npm.
    Arguments after -- go to one pytest run instead of the three below.
    """
    # lstmdoc[notebooks], what a downloaded notebook tells its reader to install.
    session.install(
        "-e",
        ".[notebooks]",
        *nox.project.dependency_groups(PYPROJECT, "browser"),
        env=COMPILE_BYTECODE,
    )
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
    notebooks, lighthouse = (
        f"{browser_tests}/test_notebooks.py",
        f"{browser_tests}/test_lighthouse.py",
    )
    # This run writes every page's screenshots afresh: none of a page since removed stays.
    shutil.rmtree("docs/_build/screenshots", ignore_errors=True)
    session.run(
        "pytest",
        browser_tests,
        f"--ignore={notebooks}",
        f"--ignore={lighthouse}",
        env=QUIET_TENSORFLOW,
    )
    # Each notebook starts its own kernel and TensorFlow: two at a time, one per core.
    session.run("pytest", notebooks, "-n", "2", env=QUIET_TENSORFLOW)
    # Alone, so that no other work on the machine slows the pages Lighthouse times.
    # -rP prints each page's scores, run by run, into the log.
    session.run("pytest", lighthouse, "-raP", env=QUIET_TENSORFLOW)


if __name__ == "__main__":
    nox.main()
