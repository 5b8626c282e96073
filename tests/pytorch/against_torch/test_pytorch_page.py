"""The PyTorch page's code, pasted as a reader would, against real PyTorch.

The site is built without PyTorch, so the page's ``python`` blocks that use it are
shown, not executed. Here they run, after the page's visible code cells, in one
fresh namespace: a snippet that fails or computes something else fails this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[3] / "docs" / "explanation" / "pytorch-count.md"
# A fenced block: ```{code-cell} ipython3 (a notebook cell) or ```python (shown only).
BLOCK = re.compile(r"^```(\{code-cell\} ipython3|python)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
HIDDEN = {"remove-cell", "remove-input"}

pytestmark = pytest.mark.filterwarnings(
    # Keras' PyTorch backend, as in test_against_torch.py: Keras' warning to fix.
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def reader_code(page: str) -> list[tuple[str, str]]:
    """The page's visible code cells and python blocks, in order, as (kind, code)."""
    blocks = []
    for kind, body in BLOCK.findall(page):
        lines = body.splitlines()
        tags: set[str] = set()
        if lines and lines[0].startswith(":tags:"):
            tags = set(re.findall(r"[\w-]+", lines[0].removeprefix(":tags:")))
            lines = lines[1:]
        elif lines and lines[0] == "---":  # a YAML header of cell options
            lines = lines[lines.index("---", 1) + 1 :]
        if not tags & HIDDEN:
            blocks.append((kind, "\n".join(lines)))
    return blocks


def test_the_page_shows_pytorch_code():
    """The page has both notebook cells and PyTorch blocks, so the test below bites."""
    kinds = [kind for kind, _ in reader_code(PAGE.read_text(encoding="utf-8"))]
    assert "python" in kinds
    assert kinds.count("{code-cell} ipython3") >= 5


def test_every_snippet_runs_after_the_visible_cells(tmp_path, monkeypatch):
    """Each PyTorch block runs where the visible cells before it ran, and its checks hold."""
    monkeypatch.chdir(tmp_path)  # the page saves files, as a reader's session would
    namespace: dict[str, object] = {"__name__": "__page__"}
    ran_torch = 0
    for kind, code in reader_code(PAGE.read_text(encoding="utf-8")):
        exec(compile(code, f"{PAGE.name} ({kind})", "exec"), namespace)  # noqa: S102
        ran_torch += kind == "python"
    assert ran_torch >= 2
