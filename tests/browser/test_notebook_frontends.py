"""A report's HTML where people read it: JupyterLab and VS Code, light and dark, wide and narrow.

JupyterLab is the real thing: ``jupyter lab`` serves a notebook whose cell output is
a report, on 127.0.0.1, and Chromium opens it. Its stylesheet right-aligns every
cell of a table in an output and fixes the table's layout; the report's own rules
must win, and its text must be readable on each theme's background.

VS Code cannot run here, so its notebook webview is rebuilt around the output: the
table rules its webview sets for every output (quoted below from VS Code's
``backLayerWebView.ts``) and its Light Modern and Dark Modern editor colours, which
the webview gives the body. That is an emulation, and says so in its pictures' names.

Each picture lands in docs/_build/screenshots/notebooks/ for a person to look at;
what is asserted is that the report reads as it should in it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

import lstmdoc
from tests.browser.conftest import ROOT, Visit, open_context
from tests.browser.test_screenshots import SCREENSHOTS
from tests.pytorch.test_explaining import tagger_shapes

PICTURES = SCREENSHOTS / "notebooks"
WIDTHS = {"wide": 1280, "narrow": 640}
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def reports() -> list[lstmdoc.ModelReport]:
    """A Keras file's report and a PyTorch state_dict's, nested and with buffers."""
    return [
        lstmdoc.explain_file(ROOT / "tests" / "data" / "tutorial.keras"),
        lstmdoc.explain_state_dict(tagger_shapes(), name="Tagger"),
    ]


# --- what the report must look like, wherever it is --------------------------------

READ = """() => {
    const luminance = (rgb) => {
        const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const parse = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
    const background = (element) => {
        for (let up = element; up; up = up.parentElement) {
            const [r, g, b, a] = parse(getComputedStyle(up).backgroundColor);
            if (a === undefined || a > 0.5) return [r, g, b];
        }
        return [255, 255, 255];
    };
    return Array.from(document.querySelectorAll(".lstmdoc-report table")).map((table) => {
        const name = table.querySelector("tbody .name");
        const count = table.querySelector("tbody .c-params");
        const area = table.closest(".lstmdoc-report").parentElement.getBoundingClientRect();
        const [r, g, b] = parse(getComputedStyle(name).color);
        const light = [luminance([r, g, b]), luminance(background(name))].sort((x, y) => y - x);
        return {
            nameAlign: getComputedStyle(name).textAlign,
            countAlign: getComputedStyle(count).textAlign,
            layout: getComputedStyle(table).tableLayout,
            contrast: (light[0] + 0.05) / (light[1] + 0.05),
            countsOutside: Array.from(table.querySelectorAll("tbody .c-params, tfoot .c-params")).filter((cell) => {
                const rect = cell.getBoundingClientRect();
                return !(rect.width > 0 && rect.left >= area.left - 1 && rect.right <= area.right + 1);
            }).map((cell) => [cell.textContent, cell.getBoundingClientRect().left, cell.getBoundingClientRect().right, area.left, area.right]),
        };
    });
}"""


def assert_reads_well(page, expected: int) -> None:
    tables = page.evaluate(READ)
    assert len(tables) == expected
    for table in tables:
        assert table["nameAlign"] in {"left", "start"}, table
        assert table["countAlign"] == "right", table
        assert table["layout"] == "auto", table
        assert table["contrast"] >= 4.5, table  # WCAG AA for body text
        assert not table["countsOutside"], table


# --- JupyterLab ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """JupyterLab serving a signed notebook of reports; its theme setting's file beside it."""
    home = tmp_path_factory.mktemp("jupyterlab")
    notebooks = home / "notebooks"
    notebooks.mkdir()
    notebook = nbformat.v4.new_notebook()
    # The browser session's own Python, ipykernel's "python3": JupyterLab starts it, asks nothing.
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    for index, report in enumerate(reports(), start=1):
        cell = nbformat.v4.new_code_cell("lstmdoc.explain(model)", execution_count=index)
        cell.outputs = [
            nbformat.v4.new_output(
                "execute_result",
                data={"text/plain": str(report), "text/html": report._repr_html_()},
                execution_count=index,
            )
        ]
        notebook.cells.append(cell)
    path = notebooks / "reports.ipynb"
    nbformat.write(notebook, path)
    env = {
        **os.environ,
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No news or update checks: the browser is offline, and a toast would cover the output.
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    # A notebook a person ran is trusted; one opened from disk is trusted once signed.
    jupyter = [sys.executable, "-m", "jupyter"]
    subprocess.run([*jupyter, "trust", str(path)], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [
            *jupyter, "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={notebooks}", "--LabApp.news_url=None",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "api/status", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.5)
        yield url + "lab/tree/reports.ipynb", settings / "themes.jupyterlab-settings"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("theme", THEMES)
def test_jupyterlab(browser, jupyterlab, theme, width):
    """In JupyterLab's own output area, each theme: left-aligned names, readable text, counts in view."""
    url, setting = jupyterlab
    setting.write_text(json.dumps({"theme": THEMES[theme]}))
    context = open_context(browser, url, Visit(), viewport={"width": WIDTHS[width], "height": 900})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(".lstmdoc-report table", timeout=60_000)
        page.wait_for_function(f"document.body.dataset.jpThemeName === {THEMES[theme]!r}")
        page.wait_for_timeout(500)  # the theme's stylesheet applied
        PICTURES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=PICTURES / f"jupyterlab-{theme}-{width}.png")
        assert_reads_well(page, expected=2)
    finally:
        context.close()


# --- VS Code (emulated) ----------------------------------------------------------------

# What VS Code's notebook webview sets for every output's tables (microsoft/vscode,
# src/vs/workbench/contrib/notebook/browser/view/renderers/backLayerWebView.ts, read).
VSCODE_TABLES = """
table, thead, tr, th, td, tbody { border: none !important; border-color: transparent;
  border-spacing: 0; border-collapse: collapse; }
table, th, tr { vertical-align: middle; text-align: right; }
thead { font-weight: bold; background-color: rgba(130, 130, 130, 0.16); }
th, td { padding: 4px 8px; }
tr:nth-child(even) { background-color: rgba(130, 130, 130, 0.08); }
tbody th { font-weight: normal; }
"""
# The editor's colours in VS Code's default themes, which the webview's body takes.
VSCODE_THEMES = {
    "light": ("vscode-light", "#ffffff", "#3b3b3b"),
    "dark": ("vscode-dark", "#1f1f1f", "#cccccc"),
}


def vscode_page(theme: str) -> str:
    kind, background, foreground = VSCODE_THEMES[theme]
    outputs = "".join(
        f'<div class="output"><div class="output_container"><div>{report._repr_html_()}'
        "</div></div></div>"
        for report in reports()
    )
    return (
        "<!DOCTYPE html><html><head><style>"
        f"{VSCODE_TABLES}"
        f"body {{ margin: 0; background: {background}; color: {foreground};"
        " font-family: system-ui, sans-serif; font-size: 13px; }"
        "#container > div > div { width: 100%; padding: 8px 8px 8px 20px; box-sizing: border-box; }"
        "#container > div > div > div { overflow-x: auto; }"
        f'</style></head><body class="{kind}"><div id="container">{outputs}</div></body></html>'
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("theme", VSCODE_THEMES)
def test_vscode(browser, theme, width):
    """In VS Code's webview rules and colours: left-aligned names, readable text, counts in view."""
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
    try:
        page.set_content(vscode_page(theme))
        PICTURES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=PICTURES / f"vscode-emulated-{theme}-{width}.png", full_page=True)
        assert_reads_well(page, expected=2)
    finally:
        page.close()
