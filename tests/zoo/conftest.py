"""Configuration of the zoo, which ``python -m nox -s zoo`` runs: real models against lstmdoc.

The default test run does not collect this folder (pyproject.toml's ``norecursedirs``):
it needs TensorFlow, keras-hub, PyTorch, transformers, torchvision and timm, which only
the zoo's environment holds. At the end of the run, every model's outcome is printed as
a table, with the share of rows lstmdoc derives and each failure's detail.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

# Before Keras, transformers or TensorFlow are first imported: Keras reads its backend
# once, and nothing may reach for a hub.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from tests.zoo import _harness, _table  # after the environment above

# The outcomes the run reported, by model: in the main process, from every worker.
_SUMMARIES: dict[str, dict[str, Any]] = {}
_FRAMEWORKS = ("Keras", "PyTorch")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Carry the model's outcome on its test's report, to the process that prints the table."""
    report = yield
    callspec = getattr(item, "callspec", None)
    if call.when == "call" and callspec is not None and "model" in callspec.params:
        summary = _harness.outcome(callspec.params["model"]).summary()
        report.user_properties.append(("zoo", summary))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep each outcome a report carries (a worker's reports arrive in the main process)."""
    for name, value in report.user_properties:
        if name == "zoo" and isinstance(value, dict):
            _SUMMARIES[value["model"]] = value


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the zoo's table, the derived share per framework, and the findings."""
    summaries = sorted(
        _SUMMARIES.values(),
        key=lambda one: (_FRAMEWORKS.index(one["framework"]), one["position"]),
    )
    write = terminalreporter.write_line
    for framework in _FRAMEWORKS:
        mine = [one for one in summaries if one["framework"] == framework]
        if mine:
            terminalreporter.section(f"the {framework} zoo")
            write(_table.table(mine))
            write("")
            write(_table.derived_share(framework, mine))
    findings = _table.findings(summaries)
    if findings:
        terminalreporter.section("what lstmdoc gets wrong in the zoo")
        write(findings)
