"""Write lstmdoc's layer families into the site, for the home page's calculator.

The calculator (``_static/calculator.js``) holds no formula: it evaluates the
families of :mod:`lstmdoc.counting.families`, which this extension writes, parsed,
into ``_static/families.js`` at every build, so the page counts what ``lstmdoc
count`` counts, from the same data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lstmdoc.counting import FAMILIES
from lstmdoc.counting.family import to_json

FILE = "families.js"


def families_script() -> str:
    """The script that hands every family to the calculator, as ``window.lstmdocFamilies``."""
    families = [to_json(family) for family in FAMILIES.values()]
    data = json.dumps(families, ensure_ascii=False, separators=(",", ":"))
    return (
        "/* lstmdoc's layer families, written by docs/_ext/calculator.py from "
        "lstmdoc.counting.families: do not edit. */\n"
        f"window.lstmdocFamilies = {data};\n"
    )


def _write(app: Any, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        (static / FILE).write_text(families_script(), encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    # Before the pruning of lighter.py (priority 900), which reads the scripts.
    app.connect("build-finished", _write, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
