"""The command-line page's PyTorch example, run against real PyTorch.

The site is built without PyTorch, so docs/reference/cli.md shows the output of
``lstmdoc explain lstm.pt`` in a console block instead of running it. Here the
page's python block runs, then the command, and its output must be the one shown.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[3] / "docs" / "reference" / "cli.md"


def test_the_shown_output_is_the_commands(tmp_path, monkeypatch):
    """The page's python block saves a file; lstmdoc explain prints what the page shows."""
    page = PAGE.read_text(encoding="utf-8")
    (code,) = re.findall(r"^```python\n(.*?)^```$", page, re.MULTILINE | re.DOTALL)
    (console,) = re.findall(r"^```console\n(.*?)^```$", page, re.MULTILINE | re.DOTALL)
    command, shown = console.split("\n", 1)
    assert command == "$ lstmdoc explain lstm.pt"
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"{PAGE.name} (python)", "exec"), {"__name__": "__page__"})  # noqa: S102
    result = subprocess.run(
        [sys.executable, "-m", "lstmdoc", "explain", "lstm.pt"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "80"},  # a reader's terminal, as the page shows it
    )
    assert result.stdout == shown
