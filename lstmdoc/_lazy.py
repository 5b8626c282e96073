"""Public names imported from their modules on first use, listed once, in a package's stub.

A package's ``__init__.pyi`` lists its public names as imports, which is what type
checkers read; :func:`attach_stub` reads the same stub at run time, so that
``import lstmdoc`` imports no module until one of its names is used. This is the
scheme of Scientific Python's SPEC 1 (``lazy_loader.attach_stub``), in a few lines,
so that lstmdoc needs nothing but NumPy.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["attach_stub", "public_names"]


def public_names(stub: Path) -> dict[str, str]:
    """Each name a stub imports, mapped to the module it comes from, in the stub's order."""
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = node.module
    return names


def attach_stub(
    package: str, file: str, extra: dict[str, Callable[[], Any]] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Return ``__getattr__``, ``__dir__`` and ``__all__`` for ``package`` from its stub.

    Args:
        package: the package's ``__name__``.
        file: its ``__file__``; the stub is the ``.pyi`` beside it.
        extra: public names that are computed, not imported, each with its function.
    """
    modules = public_names(Path(file).with_suffix(".pyi"))
    computed = extra or {}
    names = sorted({*modules, *computed})

    def __getattr__(name: str) -> Any:
        if name in computed:
            value = computed[name]()
        elif name in modules:
            value = getattr(importlib.import_module(modules[name]), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        vars(importlib.import_module(package))[name] = value  # later uses skip this hook
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(importlib.import_module(package)), *names})

    return __getattr__, __dir__, names
