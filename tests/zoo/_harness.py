"""The zoo's runner: build a model, explain it live and from its saved files, check each answer.

A zoo is data: a list of :class:`Model` (a name, a builder, the files to round-trip and
the checks lstmdoc is known to fail today, from ``_known``), in ``_keras_zoo`` and
``_torch_zoo``. :func:`outcome` builds a model once, runs every check on it and keeps
the :class:`Outcome`; the parametrized tests read it one check at a time, and the
terminal summary prints every outcome as a table (``_table``).

The truth each check holds lstmdoc to is the framework's, read here, never lstmdoc's own
``framework_params``: Keras' ``model.count_params()``, and PyTorch's
``sum(p.numel() for p in model.parameters())``, which counts a tied weight once.
"""

from __future__ import annotations

import gc
import json
import re
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest

import lstmdoc

# What each live check asks of lstmdoc.explain(model). A file check "file-<format>" asks
# what `lstmdoc explain FILE` prints for the model saved in that format (its --json and
# its text) for the same total, no DIFFERS, buffers and a true verdict.
CHECKS = {
    "total": "the rows add up to the framework's count of unique parameters",
    "differs": "no row's check is DIFFERS",
    "verdict": "the sentences under the table say DISAGREEMENT when, and only when, a count "
    "differs, and never that every count agrees when one does not",
    "buffers": "lstmdoc's buffer values equal PyTorch's, root buffers included",
    "stored": "a model that stores weights is shown with rows, not as owning none",
    "rules": "every layer of the framework's own classes (or a subclass) that holds weights "
    "is derived by a rule, not declared from shapes",
}
_AGREES = re.compile(r"\bagrees with\b")
_SHOWN = 3  # how many offending rows a detail names before "and N more"


@dataclass(frozen=True)
class FileFormat:
    """A way to save a model, and whether ``lstmdoc explain`` reads the file yet.

    Attributes:
        name: the format's short name, as in the check ``file-<name>``.
        save: writes the model into a folder and returns the path to explain.
        supported: whether lstmdoc reads it; until it does, its checks are strict
            expected failures, and the table says "not supported yet" where lstmdoc
            refuses the file. Set it to True once lstmdoc reads the format.
        refusal: why the format is not supported yet, as the expected failure's reason.
    """

    name: str
    save: Callable[[Any, Path], Path]
    supported: bool = True
    refusal: str = ""


class Framework(Protocol):
    """What the runner asks of a framework: its own counts, and its files."""

    name: str  # as lstmdoc's reports name it: "Keras" or "PyTorch"
    formats: Mapping[str, FileFormat]
    checks: tuple[str, ...]  # the live checks that apply

    def unique_params(self, model: Any) -> int:
        """The framework's count of the model's parameters, each shared one once."""

    def buffer_values(self, model: Any) -> int | None:
        """Values the framework keeps beside its parameters, or None where it has no such idea."""

    def stored_buffer_values(self, model: Any) -> int | None:
        """The buffer values a saved state_dict holds (persistent buffers only), or None."""

    def holds_weights(self, model: Any) -> bool:
        """Whether the model stores any weights, counted as parameters or not."""

    def underived(self, model: Any, report: lstmdoc.ModelReport) -> list[str]:
        """The rows of framework classes that hold weights but are not derived by a rule."""

    def release(self) -> None:
        """Free what the framework keeps after a model is dropped."""


@dataclass(frozen=True)
class Model:
    """One model of the zoo: how to build it, and what lstmdoc is known to get wrong on it.

    Attributes:
        name: the test id, such as ``gpt2_lm``.
        build: builds the model from a configuration, downloading nothing.
        framework: whose model it is.
        why: what this model brings to the zoo that the others do not.
        files: the formats (``framework.formats`` keys) to save it in and explain.
        known: check -> why lstmdoc fails it today. Each becomes a strict expected
            failure, so that the fix that makes it pass fails the run until the mark
            is removed.
        position: where the model stands in its zoo, which the table keeps.
    """

    name: str
    build: Callable[[], Any]
    framework: Framework
    why: str
    files: tuple[str, ...]
    known: Mapping[str, str] = field(default_factory=dict)
    position: int = 0  # where the model stands in its zoo, for the table's order

    @property
    def checks(self) -> tuple[str, ...]:
        """The checks this model is held to, live ones first."""
        return (*self.framework.checks, *(f"file-{name}" for name in self.files))

    def expected_failure(self, check: str) -> str | None:
        """Why ``check`` is expected to fail today, or None if it must pass."""
        if check in self.known:
            return self.known[check]
        if check.startswith("file-"):
            file_format = self.framework.formats[check.removeprefix("file-")]
            if not file_format.supported:
                return file_format.refusal
        return None


@dataclass(frozen=True)
class Result:
    """One check's answer: ``status`` is "ok", "FAIL" or "unsupported" (the file was refused)."""

    status: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "ok"


@dataclass
class Outcome:
    """Everything the zoo learned about one model."""

    model: Model
    results: dict[str, Result]
    rows: int = 0
    formula_rows: int = 0  # rows holding parameters whose count a rule derives
    declared_rows: int = 0  # ... counted from the shapes a class declares
    underived_rows: int = 0  # ... with no count of lstmdoc's at all
    seconds: float = 0.0  # build, explain, save and read back
    timings: dict[str, float] = field(default_factory=dict)  # step -> seconds

    def summary(self) -> dict[str, Any]:
        """The outcome as plain values, as a test report carries it to the table."""
        return {
            "model": self.model.name,
            "framework": self.model.framework.name,
            "position": self.model.position,
            "rows": self.rows,
            "derived": self.formula_rows,
            "declared": self.declared_rows,
            "none": self.underived_rows,
            "seconds": self.seconds,
            "timings": self.timings,
            "checks": [
                [
                    check,
                    result.status,
                    result.detail,
                    self.model.expected_failure(check) is not None,
                ]
                for check, result in self.results.items()
            ],
        }


_OUTCOMES: dict[str, Outcome] = {}


def outcome(model: Model) -> Outcome:
    """The outcome of every check on ``model``, run the first time it is asked for."""
    if model.name not in _OUTCOMES:
        _OUTCOMES[model.name] = _run(model)
    return _OUTCOMES[model.name]


def cases(zoo: Sequence[Model]) -> list[Any]:
    """pytest parameters, one per (model, check), each known failure a strict xfail."""
    return [
        pytest.param(
            model, check, marks=_marks(model.expected_failure(check)), id=f"{model.name}-{check}"
        )
        for model in zoo
        for check in model.checks
    ]


def _marks(reason: str | None) -> list[Any]:
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def assert_passes(model: Model, check: str) -> None:
    """Fail with what lstmdoc got wrong, unless ``check`` passed on ``model``."""
    result = outcome(model).results[check]
    what = CHECKS.get(check) or f"the file round trip gives the framework's count ({check})"
    assert result.passed, f"{model.name}: {what}: {result.detail}"


# --- running one model ---------------------------------------------------------------


def _run(model: Model) -> Outcome:
    framework = model.framework
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # What a framework warns about while building from a configuration is not
            # lstmdoc's to answer; explain and the file round trip run under the suite's
            # warnings-as-errors, so that a warning lstmdoc causes is seen.
            warnings.simplefilter("ignore")
            built = model.build()
        build_seconds = time.perf_counter() - start
    except Exception:  # noqa: BLE001  (a model that cannot be built fails all its checks, by name)
        failure = Result("FAIL", f"could not build the model: {_last_line()}")
        return Outcome(model, dict.fromkeys(model.checks, failure))
    try:
        timings = {"build": build_seconds}
        results, report = _live(framework, built, timings)
        with tempfile.TemporaryDirectory(prefix=f"zoo-{model.name}-") as folder:
            for name in model.files:
                results[f"file-{name}"] = _file(framework, built, name, Path(folder), timings)
        found = Outcome(model, results, timings=timings)
        if report is not None:
            _count_rows(found, report)
    finally:
        del built
        framework.release()
        gc.collect()
    found.seconds = time.perf_counter() - start
    return found


def _live(
    framework: Framework, built: Any, timings: dict[str, float]
) -> tuple[dict[str, Result], lstmdoc.ModelReport | None]:
    start = time.perf_counter()
    try:
        report = lstmdoc.explain(built)
        text = str(report)
    except Exception:  # noqa: BLE001  (lstmdoc raising on a real model is a finding, not a crash)
        failure = Result("FAIL", f"lstmdoc.explain raised {_last_line()}")
        return dict.fromkeys(framework.checks, failure), None
    finally:
        timings["explain"] = time.perf_counter() - start
    expected = framework.unique_params(built)
    buffers = framework.buffer_values(built)
    checks = {
        "total": _total(report.derived_params, expected, framework.name, report),
        "differs": _differs(report),
        "verdict": _verdict(text, report, expected, buffers),
        "buffers": _buffers(report.buffer_size, buffers, framework.name),
        "stored": _stored(report, framework.holds_weights(built)),
        "rules": _rules(framework.underived(built, report)),
    }
    return {name: checks[name] for name in framework.checks}, report


def _file(
    framework: Framework, built: Any, name: str, folder: Path, timings: dict[str, float]
) -> Result:
    file_format = framework.formats[name]
    start = time.perf_counter()
    try:
        path = save(built, file_format, folder)
    except Exception:  # noqa: BLE001  (a file that cannot be written is reported, not raised)
        return Result("FAIL", f"could not save the model as {name}: {_last_line()}")
    finally:
        timings[f"save {name}"] = time.perf_counter() - start
    start = time.perf_counter()
    try:
        return _read_back(framework, built, file_format, path)
    finally:
        timings[f"read {name}"] = time.perf_counter() - start


def save(model: Any, file_format: FileFormat, folder: Path) -> Path:
    """Save ``model`` in ``file_format`` into ``folder``; return the path to explain."""
    with warnings.catch_warnings():
        # The framework's own warnings while saving (Keras' TensorFlow backend hands
        # variables to np.array with copy=False, which NumPy 2 deprecates).
        warnings.simplefilter("ignore")
        return file_format.save(model, folder)


def _read_back(framework: Framework, built: Any, file_format: FileFormat, path: Path) -> Result:
    """What ``lstmdoc explain FILE`` says of the file, held to the live model's truth."""
    try:
        report = explain_like_the_command_line(path)
    except Refused as refusal:
        return Result("FAIL" if file_format.supported else "unsupported", str(refusal))
    except Exception:  # noqa: BLE001  (a traceback is a finding: lstmdoc promises one line)
        return Result("FAIL", f"lstmdoc explain raised {_last_line()}")
    stored = json.loads(report.to_json())  # what --json prints
    problems = []
    expected = framework.unique_params(built)
    derived = stored["derived_params"]
    if derived != expected:
        problems.append(_total_text(derived, expected, framework.name, stored["rows"]))
    differing = [row for row in stored["rows"] if row["check"] == "DIFFERS"]
    if differing:
        problems.append(_differs_text(differing, framework.name))
    buffers = framework.stored_buffer_values(built)
    if buffers is not None and stored["buffer_size"] != buffers:
        problems.append(f"buffer values: lstmdoc {stored['buffer_size']}, the file holds {buffers}")
    verdict = _verdict(str(report), report, expected, buffers)  # what the text prints
    if not verdict.passed:
        problems.append(verdict.detail)
    if problems:
        return Result("FAIL", "; ".join(problems))
    return Result("ok")


class Refused(Exception):
    """``lstmdoc explain FILE`` refuses the file: exit status 2 and this one line."""


def explain_like_the_command_line(path: Path) -> lstmdoc.ModelReport:
    """``lstmdoc.explain_file(path)``, with the errors ``lstmdoc explain`` refuses in one line.

    ``lstmdoc.cli`` prints ``report.to_json()`` or ``str(report)`` of this report, and
    turns these errors into one line and exit status 2; any other is a traceback. One
    read serves both the JSON and the text, where two runs of the command would read
    the file twice: a large ``.keras`` file takes seconds (issue 21).
    """
    try:
        return lstmdoc.explain_file(path)
    except (TypeError, ValueError, ImportError) as error:  # as lstmdoc.cli catches them
        raise Refused(" ".join(str(error).split())) from None


# --- the checks ----------------------------------------------------------------------


def _total(derived: int | None, expected: int, framework: str, report: Any) -> Result:
    if derived == expected:
        return Result("ok")
    rows = [row.to_dict() for row in report.rows]
    return Result("FAIL", _total_text(derived, expected, framework, rows))


def _total_text(
    derived: int | None, expected: int, framework: str, rows: list[dict[str, Any]]
) -> str:
    if derived is None:
        unknown = [row["name"] for row in rows if row["params"] is None]
        return (
            f"no total: lstmdoc has no count for {_names(unknown)}; {framework} counts {expected:,}"
        )
    return (
        f"the rows add up to {derived:,}, {framework} counts {expected:,} ({derived - expected:+,})"
    )


def _differs(report: lstmdoc.ModelReport) -> Result:
    differing = [row.to_dict() for row in report.disagreements]
    if not differing:
        return Result("ok")
    return Result("FAIL", _differs_text(differing, report.framework))


def _differs_text(rows: list[dict[str, Any]], framework: str) -> str:
    shown = [
        f"{row['name']} ({row['layer']}: lstmdoc {_count(row['params'])}, "
        f"{framework} {_count(row['framework_params'])}"
        + (
            f"; buffers lstmdoc {_count(row['buffer_size'])}, "
            f"{framework} {_count(row['framework_buffer_size'])})"
            if row["params"] == row["framework_params"]
            else ")"
        )
        for row in rows[:_SHOWN]
    ]
    more = f" and {len(rows) - _SHOWN} more" if len(rows) > _SHOWN else ""
    return f"DIFFERS: {', '.join(shown)}{more}"


def _verdict(text: str, report: Any, expected: int, buffers: int | None) -> Result:
    """Whether the text's claims match the truth, read from the framework, not from lstmdoc."""
    says_disagreement = "DISAGREEMENT" in text
    says_agreement = bool(_AGREES.search(text))
    wrong = []
    if report.derived_params is not None and report.derived_params != expected:
        wrong.append(f"the rows add up to {report.derived_params:,}, not {expected:,}")
    if report.disagreements:
        wrong.append(f"{len(report.disagreements)} rows DIFFER")
    if buffers is not None and report.buffer_size is not None and report.buffer_size != buffers:
        wrong.append(f"buffer values are {report.buffer_size:,}, not {buffers:,}")
    if says_disagreement and says_agreement:
        return Result("FAIL", "the text says both DISAGREEMENT and that every count agrees")
    if says_agreement and wrong:
        return Result("FAIL", f"the text says every count agrees, but {'; '.join(wrong)}")
    if wrong and not says_disagreement:
        return Result("FAIL", f"the text does not say DISAGREEMENT, but {'; '.join(wrong)}")
    if says_disagreement and not wrong:
        return Result("FAIL", "the text says DISAGREEMENT, but every count matches")
    return Result("ok")


def _buffers(derived: int | None, expected: int | None, framework: str) -> Result:
    if expected is None or derived == expected:
        return Result("ok")
    return Result(
        "FAIL", f"lstmdoc counts {_count(derived)} buffer values, {framework} {expected:,}"
    )


def _stored(report: lstmdoc.ModelReport, holds_weights: bool) -> Result:
    if report.rows or not holds_weights:
        return Result("ok")
    return Result("FAIL", f"the model stores weights, but the report says: {str(report)!r}")


def _rules(underived: list[str]) -> Result:
    if not underived:
        return Result("ok")
    return Result("FAIL", f"not derived by a rule: {', '.join(underived)}")


def _count_rows(found: Outcome, report: lstmdoc.ModelReport) -> None:
    """Tally the rows that hold parameters by how lstmdoc counts them.

    A row that sums the rows beneath it (a model, a container, a custom layer) is not
    tallied: the rows beneath it are.
    """
    found.rows = len(report.rows)
    for row in report.rows:
        holds = (row.params or 0) > 0 or (row.framework_params or 0) > 0
        if not holds or row.basis == "sum":
            continue
        if row.basis == "formula":
            found.formula_rows += 1
        elif row.params is None:
            found.underived_rows += 1
        else:
            found.declared_rows += 1


# --- helpers -------------------------------------------------------------------------


def grouped(items: Sequence[str]) -> list[str]:
    """``["a", "b", "a"]`` -> ``["a ×2", "b"]``, in first-seen order."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return [item if count == 1 else f"{item} ×{count}" for item, count in counts.items()]


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _last_line() -> str:
    lines = traceback.format_exc().strip().splitlines()
    return " ".join(lines[-1].split())[:300] if lines else "an unknown error"
