"""Tests of docs/_ext/notebooks.py: which lstmdoc a page's notebook tells its reader to install."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

pytest.importorskip("myst_nb")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # where conf.py finds it too
notebooks = importlib.import_module("notebooks")

REPOSITORY = "https://github.com/lstmdoc/lstmdoc"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


class TestIsRelease:
    @pytest.mark.parametrize("version", ["0.1.0", "1.2.3", "2.0.0rc1", "1.0.0.post1", "1.0"])
    def test_a_tagged_version_is_a_release(self, version):
        """A version hatch-vcs gives a tagged commit (final, pre- or post-release) is a release."""
        assert notebooks.is_release(version)

    @pytest.mark.parametrize(
        "version",
        [
            "0.1.dev120+gfdc114f",  # no tag yet, 120 commits
            "0.2.1.dev3+g1a2b3c4",  # three commits after v0.2.0
            "0.2.0+d20250101",  # v0.2.0 with uncommitted changes
            "0.1.dev0",  # pyproject.toml's fallback: no git history at all
            "0+unknown",  # lstmdoc.__version__ of a source tree that is not installed
            "not a version",
        ],
    )
    def test_a_version_between_releases_is_not(self, version):
        """A development version, a local version or no version at all is not on PyPI."""
        assert not notebooks.is_release(version)


class TestNotebookRequirement:
    def test_a_release_installs_that_release_from_pypi(self):
        """A site built from v0.2.0 tells its reader to install exactly 0.2.0."""
        requirement = notebooks.notebook_requirement("0.2.0", REPOSITORY, COMMIT)
        assert requirement == "lstmdoc[notebooks]==0.2.0"

    def test_between_releases_it_installs_the_commit_from_the_repository(self):
        """A development build installs the very commit it was built from."""
        requirement = notebooks.notebook_requirement("0.2.1.dev3+g0123456", REPOSITORY, COMMIT)
        assert requirement == f"lstmdoc[notebooks] @ git+{REPOSITORY}@{COMMIT}"

    def test_without_a_commit_it_installs_the_repository(self):
        """Built from a source archive (no git), the notebooks install the repository's default."""
        requirement = notebooks.notebook_requirement("0.1.dev0", REPOSITORY, None)
        assert requirement == f"lstmdoc[notebooks] @ git+{REPOSITORY}"

    def test_pip_reads_either_requirement_as_lstmdoc_with_its_notebooks_extra(self):
        """pip's parser reads a release's pin and a commit's URL as lstmdoc[notebooks]."""
        from packaging.requirements import Requirement  # noqa: PLC0415

        released = Requirement(notebooks.notebook_requirement("0.2.0", REPOSITORY, COMMIT))
        between = Requirement(notebooks.notebook_requirement("0.2.1.dev3", REPOSITORY, COMMIT))
        for requirement in (released, between):
            assert (requirement.name, requirement.extras) == ("lstmdoc", {"notebooks"})
        assert (released.url, str(released.specifier)) == (None, "==0.2.0")
        assert between.url == f"git+{REPOSITORY}@{COMMIT}"
