"""The zoo's outcomes as a table, and the share of rows that lstmdoc derives, per framework.

Each outcome arrives as :meth:`Outcome.summary() <tests.zoo._harness.Outcome.summary>`'s
plain values, carried on the test reports (so a pytest-xdist worker's reach the table
too). One line per model: its rows; how many of the rows that hold parameters a rule
derives, how many are declared from shapes, and how many have no count; the seconds
it took in all (build, explain, save, read back) and in lstmdoc.explain; and one
column per check: ``ok``; ``FAIL``, a failure nobody expected; ``fail``, a known
failure (a strict xfail); ``unsup``, a file format lstmdoc refuses, as expected, for
now; ``-`` where the check does not apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Summary = Mapping[str, Any]

_COUNTS = ("rows", "derived", "declared", "none")


def table(summaries: Sequence[Summary]) -> str:
    """One framework's models, one line each, and a line of totals."""
    checks = list(dict.fromkeys(check for one in summaries for check, *_ in one["checks"]))
    header = ["model", *_COUNTS, "seconds", "explain", *checks]
    lines = [header]
    for one in summaries:
        marks = {check: _mark(status, known) for check, status, _, known in one["checks"]}
        lines.append(
            [
                one["model"],
                *(str(one[count]) for count in _COUNTS),
                f"{one['seconds']:.1f}",
                f"{one['timings'].get('explain', 0.0):.2f}",
                *(marks.get(check, "-") for check in checks),
            ]
        )
    passed = {check: [0, 0] for check in checks}
    for one in summaries:
        for check, status, _, _ in one["checks"]:
            passed[check][0] += status == "ok"
            passed[check][1] += 1
    lines.append(
        [
            f"{len(summaries)} models",
            *(str(sum(one[count] for one in summaries)) for count in _COUNTS),
            f"{sum(one['seconds'] for one in summaries):.1f}",
            f"{sum(one['timings'].get('explain', 0.0) for one in summaries):.2f}",
            *(f"{passed[check][0]}/{passed[check][1]}" for check in checks),
        ]
    )
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    ]
    rule = "-" * max(len(line) for line in text)
    return "\n".join([text[0], rule, *text[1:-1], rule, text[-1]])


def derived_share(framework: str, summaries: Sequence[Summary]) -> str:
    """The share of parameter-holding rows that a rule derives, which issue 20 wants at 95%.

    A row that sums the rows beneath it (a model, a container, a custom class) is not
    counted: the rows beneath it are.
    """
    derived = sum(one["derived"] for one in summaries)
    declared = sum(one["declared"] for one in summaries)
    underived = sum(one["none"] for one in summaries)
    held = derived + declared + underived
    share = f"{100 * derived / held:.1f}%" if held else "-"
    return (
        f"{framework}: {share} of the {held:,} rows that hold parameters are derived by a rule "
        f"({derived:,} derived, {declared:,} declared from shapes, {underived:,} without a count)."
    )


def findings(summaries: Sequence[Summary]) -> str:
    """Every failing check with its detail, known or not, one per line."""
    return "\n".join(
        f"{one['model']} {check}{' (known)' if known else ''}: {detail}"
        for one in summaries
        for check, status, detail, known in one["checks"]
        if status == "FAIL"
    )


def _mark(status: str, known: bool) -> str:
    if status == "FAIL":
        return "fail" if known else "FAIL"
    return {"ok": "ok", "unsupported": "unsup"}[status]
