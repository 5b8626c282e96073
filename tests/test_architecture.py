"""The package's layout holds: no import loops, each framework apart, no module too long to read.

Read from the source with ast, so every import counts: at the top, inside a
function, or under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import lstmdoc

PACKAGE = Path(lstmdoc.__file__).parent
LONGEST = 500


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """The lstmdoc modules ``name`` imports: a module itself where a name is one, else its package."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                inner = f"{node.module}.{alias.name}"
                found.add(inner if inner in MODULES else node.module)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imports(name) for name in MODULES}


def within(package: str) -> set[str]:
    return {name for name in MODULES if name == package or name.startswith(package + ".")}


def reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for module in GRAPH[todo.pop()]:
            if module not in seen:
                seen.add(module)
                todo.append(module)
    return seen


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_itself_back(name):
    """No import loop: no module reaches itself through the modules it imports."""
    assert name not in reachable(name)


@pytest.mark.parametrize(
    ("importer", "imported"),
    [("lstmdoc.keras", "lstmdoc.pytorch"), ("lstmdoc.pytorch", "lstmdoc.keras")],
)
def test_neither_framework_imports_the_other(importer, imported):
    """lstmdoc.keras never imports lstmdoc.pytorch, and the other way round."""
    for name in within(importer):
        assert not GRAPH[name] & within(imported), name


@pytest.mark.parametrize(
    "core", ["lstmdoc.report", "lstmdoc.counting", "lstmdoc._checks", "lstmdoc.formats"]
)
def test_the_report_and_the_core_import_no_framework(core):
    """The report, the counting and the checks import neither framework's package."""
    frameworks = within("lstmdoc.keras") | within("lstmdoc.pytorch")
    for name in within(core):
        assert not reachable(name) & frameworks, name


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_is_short_enough_to_hold(name):
    """No module is longer than a reader can hold: 500 lines."""
    assert len(MODULES[name].read_text().splitlines()) <= LONGEST


def test_the_rules_and_the_report_load_no_numpy():
    """Importing both frameworks' rules and the report loads no NumPy: explaining a file needs none."""
    code = (
        "import sys, lstmdoc.keras.registry, lstmdoc.pytorch.registry, "
        "lstmdoc.pytorch.state_dicts, lstmdoc.report, lstmdoc.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'keras', 'tensorflow', 'torch')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
