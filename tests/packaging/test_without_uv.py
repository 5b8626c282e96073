"""The sessions without uv on PATH: nox installed alone, as ``pipx install nox`` installs it.

Run by ``nox -s dist``. Each test runs the light sessions ``dist`` and ``minimal`` of a
clone of this checkout (its commit, with this checkout's noxfile.py, pyproject.toml
and uv.lock) in a nox of its own, with a PATH on which no directory has a uv. Between
them, the two sessions install from uv.lock (``uv export``), build with
``python -m build --installer=uv`` and install the wheel alone: every way in which a
session needs uv. ``-k TestWheel`` keeps the clone's own run of tests/packaging short,
and from running these tests again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = ["--sessions", "dist", "minimal", "--", "-k", "TestWheel"]


def _locked_version(name: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    (version,) = {package["version"] for package in lock["package"] if package["name"] == name}
    return str(version)


def _path_without_uv() -> str:
    """This PATH less every directory with a uv in it (pyenv's shims, this session's bin)."""
    directories = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(d for d in directories if d and not (Path(d) / "uv").exists())


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of this checkout's commit, with its noxfile, pyproject.toml and uv.lock."""
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", f"file://{ROOT}", str(clone)], check=True, timeout=120
    )
    for name in ("noxfile.py", "pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, clone / name)
    return clone


def _nox(tmp_path: Path, requirement: str) -> Path:
    """A virtual environment with nox from PyPI, at uv.lock's version; its Python."""
    environment = tmp_path / "nox"
    subprocess.run([sys.executable, "-m", "venv", str(environment)], check=True, timeout=120)
    python = environment / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", requirement],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return python


def _run(python: Path, clone: Path, *options: str) -> str:
    """Run nox's sessions in the clone without uv on PATH; return the log, failing on error."""
    path = _path_without_uv()
    assert shutil.which("uv", path=path) is None
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("VIRTUAL_ENV", "NOX", "UV"))
    }
    result = subprocess.run(
        [str(python), "-m", "nox", *options, *SESSIONS],
        cwd=clone,
        env={**environment, "PATH": path},
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "Session minimal was successful" in log, log
    return log


class TestWithoutUv:
    def test_nox_alone_installs_its_uv_extra_from_the_noxfile(self, tmp_path, clone):
        """Plain nox reads nox[uv] from the noxfile's script header and runs with its uv."""
        python = _nox(tmp_path, f"nox=={_locked_version('nox')}")
        log = _run(python, clone)
        assert (
            "Creating virtual environment (virtualenv) using python in .nox/_nox_script_mode" in log
        )
        assert "Creating virtual environment (uv) using python in .nox/dist" in log

    def test_nox_alone_without_script_mode_installs_uv_beside_the_sessions(self, tmp_path, clone):
        """With the header ignored, a session installs uv for all of them, not into itself."""
        python = _nox(tmp_path, f"nox=={_locked_version('nox')}")
        log = _run(python, clone, "--script-mode", "none")
        assert "Creating virtual environment (virtualenv) using python in .nox/dist" in log
        assert f"--target={clone / '.nox' / '_uv'}" in log
        assert f"{clone / '.nox' / '_uv' / 'bin' / 'uv'} export" in log

    def test_a_virtualenv_session_uses_nox_s_own_uv(self, tmp_path, clone):
        """On the virtualenv backend, as the torch session is, a session runs nox's own uv."""
        python = _nox(tmp_path, f"nox[uv]=={_locked_version('nox')}")
        log = _run(python, clone, "--force-venv-backend", "virtualenv")
        assert "Creating virtual environment (virtualenv) using python in .nox/dist" in log
        assert f"{python.parent / 'uv'} export" in log
