"""Lighthouse's mobile scores for every page, served locally as Python's http.server does.

Lighthouse 12 (pinned in package-lock.json) runs Debian's Chromium (CHROME_PATH) with
its default mobile settings: a mid-range phone on a slow 4G network, simulated. A
performance score varies by several points from run to run on a busy machine, so
each page is measured LIGHTHOUSE_RUNS times (3 unless set) and judged by the median.
The bare sphinx-book-theme scores 63 to 72 for performance, 96 for best practices and
90 for SEO; every page here must do better.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, NODE_MODULES, site_pages

LIGHTHOUSE = NODE_MODULES / "lighthouse" / "cli" / "index.js"
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
HEADLESS = " ".join(["--headless", *CHROMIUM_FLAGS])


def lighthouse(url: str, report: str) -> dict[str, int]:
    """Run Lighthouse once on ``url``; return each category's score out of 100."""
    node = shutil.which("node")
    assert node, "Node.js is needed to run Lighthouse"
    subprocess.run(
        [
            node,
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={HEADLESS}",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        check=True,
        timeout=300,
    )
    result = json.loads(Path(report).read_text(encoding="utf-8"))
    return {name: round(100 * result["categories"][name]["score"]) for name in CATEGORIES}


_MEDIANS: dict[str, dict[str, float]] = {}


def medians(base_url: str, tmp_path, path: str) -> dict[str, float]:
    """The median of each category over RUNS Lighthouse runs; measured once per page."""
    if path not in _MEDIANS:
        runs = [
            lighthouse(base_url + path, str(tmp_path / f"run{run}.json")) for run in range(RUNS)
        ]
        _MEDIANS[path] = {name: statistics.median(run[name] for run in runs) for name in CATEGORIES}
        print(f"{path}: median of {RUNS} runs: {_MEDIANS[path]}; runs: {runs}")
    return _MEDIANS[path]


@pytest.mark.parametrize("path", site_pages())
def test_accessibility_best_practices_and_seo_are_perfect(base_url, tmp_path, path):
    """Accessibility, best practices and SEO score 100 (the bare theme: 100, 96, 90)."""
    scores = medians(base_url, tmp_path, path)
    assert (scores["accessibility"], scores["best-practices"], scores["seo"]) == (100, 100, 100)


@pytest.mark.parametrize("path", site_pages())
def test_performance_is_80_or_more(base_url, tmp_path, path):
    """Performance scores 80 or more on a simulated phone (the bare theme: 63 to 72)."""
    assert medians(base_url, tmp_path, path)["performance"] >= 80
