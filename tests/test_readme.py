"""Tests that the README's promises are the ones CI keeps."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import lstmdoc

ROOT = Path(__file__).parent.parent


def readme_commands() -> list[str]:
    """The shell commands of the README's "Two commands" section."""
    section = (ROOT / "README.md").read_text().split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)\n```", section, re.DOTALL)


class TestReadme:
    def test_has_exactly_two_commands(self):
        """The newcomer's section has two commands: build the site, run the tests."""
        commands = readme_commands()
        assert len(commands) == 2
        assert any("nox -s docs" in command for command in commands)

    def test_ci_runs_the_readme_commands_verbatim(self):
        """.ci/run contains each README command exactly as a newcomer types it."""
        ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
        for command in readme_commands():
            assert any(line.startswith(command) for line in ci_lines), command

    def test_readme_numbers_are_lstmdoc_numbers(self):
        """The README's worked numbers (shown on the home page) are what lstmdoc computes."""
        readme = (ROOT / "README.md").read_text()
        lstm = lstmdoc.lstm_param_breakdown(units=20, features=1)
        assert f"has {lstm.total:,} parameters" in readme
        assert f"```text\n{lstm.formula}\n```" in readme
        assert f"`{lstm.equation}`" in readme
        gru_count = lstmdoc.gru_param_count(units=20, features=1)
        assert f"gru_param_count(units=20, features=1)  # {gru_count}" in readme

    def test_install_section_names_the_package_and_each_extra(self):
        """The README says to pip install lstmdoc, and names every extra the package offers."""
        readme = (ROOT / "README.md").read_text()
        install = readme.split("<!-- start-install -->", 1)[1].split("<!-- end-install -->", 1)[0]
        assert "python -m pip install lstmdoc\n" in install
        extras = metadata.metadata("lstmdoc").get_all("Provides-Extra") or []
        assert {"keras", "plots", "notebooks"} <= set(extras)
        for extra in extras:
            assert f"`lstmdoc[{extra}]`" in install, extra
