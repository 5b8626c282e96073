"""Tests of the sdist and wheel that ``nox -s dist`` builds into dist/, and of the version.

Run by ``nox -s dist`` after it has built dist/ from this checkout. The truth they
check against is git: the files it tracks, its tags and its commit.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
# What the sdist must carry so that a packager can run the tests and build the docs.
SDIST_TREES = ["lstmdoc", "tests", "docs", "benchmarks"]
SDIST_FILES = [
    "pyproject.toml",
    "noxfile.py",
    "uv.lock",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
]


def _git(*arguments: str, cwd: Path = ROOT) -> str:
    result = subprocess.run(
        ["git", *arguments], cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"these tests read git, and git {' '.join(arguments)} failed: {result.stderr}")
    return result.stdout.strip()


def _only(pattern: str) -> Path:
    found = sorted(DIST.glob(pattern))
    if len(found) != 1:
        pytest.fail(f"expected one {pattern} in {DIST} (run nox -s dist), found {found}")
    return found[0]


def _wheel_metadata(wheel: Path) -> tuple[list[str], dict[str, list[str]]]:
    """The wheel's file names, and its METADATA's fields (each a list of values)."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        message = HeaderParser().parsestr(archive.read(metadata).decode())
    return names, {key: message.get_all(key) or [] for key in set(message.keys())}


def _build_wheel(source: Path, outdir: Path) -> str:
    """Build a wheel from ``source`` as pip would; return its version."""
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--installer=uv", f"--outdir={outdir}", "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (wheel,) = outdir.glob("lstmdoc-*.whl")
    return _wheel_metadata(wheel)[1]["Version"][0]


class TestWheel:
    def test_holds_the_package_and_its_metadata_alone(self):
        """Every file is lstmdoc's or its metadata's: no tests, docs or benchmarks."""
        names, _ = _wheel_metadata(_only("*.whl"))
        tops = {name.split("/")[0] for name in names}
        assert tops == {"lstmdoc", next(top for top in tops if top.endswith(".dist-info"))}
        assert "lstmdoc/py.typed" in names  # the type information mypy users rely on
        assert "lstmdoc/cli.py" in names

    def test_requires_numpy_alone_and_offers_the_extras(self):
        """NumPy is the only dependency; keras, plots, notebooks, files and torch are extras."""
        _, metadata = _wheel_metadata(_only("*.whl"))
        always = [need for need in metadata["Requires-Dist"] if "extra ==" not in need]
        assert [re.split(r"[<>=! ]", need)[0] for need in always] == ["numpy"]
        assert {"keras", "plots", "notebooks", "files", "torch"} <= set(metadata["Provides-Extra"])

    def test_installs_the_lstmdoc_command(self):
        """The wheel declares the lstmdoc console script."""
        with zipfile.ZipFile(_only("*.whl")) as archive:
            (entry_points,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
            text = archive.read(entry_points).decode()
        assert "lstmdoc = lstmdoc.cli:main" in text


class TestSdist:
    def test_holds_every_file_git_tracks_that_the_tests_and_docs_need(self):
        """The package, tests, docs, benchmarks and the files that run them are all there."""
        sdist = _only("*.tar.gz")
        with tarfile.open(sdist) as archive:
            top = sdist.name.removesuffix(".tar.gz")
            members = {name.removeprefix(f"{top}/") for name in archive.getnames() if "/" in name}
        tracked = set(_git("ls-files", *SDIST_TREES, *SDIST_FILES).splitlines())
        assert tracked - members == set()
        assert "PKG-INFO" in members  # where a build from the sdist reads its version

    def test_leaves_out_build_output_and_installed_node_modules(self):
        """No built site, caches or node_modules travel in the sdist."""
        with tarfile.open(_only("*.tar.gz")) as archive:
            names = archive.getnames()
        for unwanted in ("/docs/_build/", "/node_modules/", "__pycache__", "/.nox/"):
            assert not [name for name in names if unwanted in name], unwanted


class TestVersion:
    def test_the_sdist_and_the_wheel_built_from_it_agree(self):
        """The wheel, built from the unpacked sdist, has the version the sdist recorded."""
        sdist_version = _only("*.tar.gz").name.removesuffix(".tar.gz").split("-", 1)[1]
        _, metadata = _wheel_metadata(_only("*.whl"))
        assert metadata["Version"] == [sdist_version]

    def test_is_the_tag_or_a_development_version_of_this_commit(self):
        """A tagged, clean checkout builds the tag's version; any other, a dev version of HEAD."""
        (version,) = _wheel_metadata(_only("*.whl"))[1]["Version"]
        tag = subprocess.run(
            ["git", "describe", "--tags", "--exact-match", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
        if tag and not dirty:
            assert version == tag.removeprefix("v")
        else:
            short = _git("rev-parse", "--short=7", "HEAD")
            assert re.fullmatch(rf"\d+(\.\d+)*(\.dev\d+)?\+g{short}[0-9a-f]*(\.d\d{{8}})?", version)
            assert Version(version).is_devrelease or dirty

    def test_a_shallow_clone_builds_with_a_development_version(self, tmp_path):
        """A clone of one commit, no tags (as CI checks out), builds as 0.1.devN+g<commit>."""
        clone = tmp_path / "clone"
        _git("clone", "--quiet", "--depth=1", f"file://{ROOT}", str(clone), cwd=tmp_path)
        version = _build_wheel(clone, tmp_path / "out")
        short = _git("rev-parse", "--short=7", "HEAD", cwd=clone)
        assert re.fullmatch(rf"0\.1\.dev1\+g{short}[0-9a-f]*", version), version

    def test_a_source_archive_without_git_builds_with_the_fallback_version(self, tmp_path):
        """Without any git history, the build works and has the fallback, a development version."""
        archive = tmp_path / "source.tar"
        _git("archive", "--format=tar", f"--output={archive}", "HEAD")
        source = tmp_path / "source"
        # The "data" filter, Python 3.14's default: 3.12 and 3.13 warn when none is given,
        # and warnings are errors here.
        shutil.unpack_archive(archive, source, filter="data")
        assert _build_wheel(source, tmp_path / "out") == "0.1.dev0"


class TestChangelog:
    def test_has_an_entry_for_this_version(self):
        """A release has its dated entry in CHANGELOG.md; between releases, an Unreleased one."""
        (version,) = _wheel_metadata(_only("*.whl"))[1]["Version"]
        changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
        parsed = Version(version)
        if parsed.is_devrelease or parsed.local:
            assert "\n## [Unreleased]\n" in changelog
        else:
            heading = rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$"
            assert re.search(heading, changelog, re.MULTILINE)
