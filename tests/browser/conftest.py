"""Serve the built site on 127.0.0.1 and open it in Debian's Chromium, offline.

The site is ``docs/_build/html``, built by ``python -m nox -s docs``; ``nox -s browser``
runs these tests after it. Playwright drives /usr/bin/chromium (``apt-get install
chromium``), never a browser of its own, and every request to another host is
blocked and recorded: the site must work with no network.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "docs" / "_build" / "html"
NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
CHROMIUM = os.environ.get("LSTMDOC_CHROMIUM", "/usr/bin/chromium")
# Flags that keep Chromium headless, quiet and off the network in a container.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_NOT_PAGES = {"_static", "_sources", "_images", "_downloads"}


def site_pages() -> list[str]:
    """Every HTML page of the built site, as a path relative to its root."""
    return sorted(
        path.relative_to(SITE).as_posix()
        for path in SITE.rglob("*.html")
        if not _NOT_PAGES & set(path.relative_to(SITE).parts)
        and not any(part.startswith(".") for part in path.relative_to(SITE).parts)
    )


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to run, rather than skip, without a built site or a browser."""
    if not (SITE / "index.html").is_file():
        raise pytest.UsageError(f"no site at {SITE}: build it first with python -m nox -s docs")
    if not Path(CHROMIUM).is_file():
        raise pytest.UsageError(f"no Chromium at {CHROMIUM}: apt-get install chromium")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output free of one line per request."""


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """The built site, served by Python's http.server on a free port of 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched by Playwright's driver."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """What the browser saw while loading pages of the site."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        """Every kind of problem seen, with what was seen; empty when all went well."""
        return {name: seen for name, seen in vars(self).items() if seen}


def open_context(browser: Browser, base_url: str, visit: Visit, **options: Any) -> BrowserContext:
    """A fresh browser profile that records problems and blocks every other host."""
    context = browser.new_context(**options)
    served = urlsplit(base_url).netloc

    def route(route: Any) -> None:
        if urlsplit(route.request.url).netloc == served:
            route.continue_()
        else:
            visit.external_requests.append(route.request.url)
            route.abort()

    context.route("**/*", route)

    def watch(page: Page) -> None:
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and visit.console_errors.append(f"{page.url}: {message.text}")
            ),
        )
        page.on("pageerror", lambda error: visit.page_errors.append(f"{page.url}: {error}"))
        page.on(
            "requestfailed",
            lambda request: (
                urlsplit(request.url).netloc == served
                and visit.failed_requests.append(f"{request.url}: {request.failure}")
            ),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and visit.http_errors.append(f"{response.url}: {response.status}")
            ),
        )

    context.on("page", watch)
    return context


@pytest.fixture
def visit() -> Visit:
    """A record of the problems the browser meets during one test."""
    return Visit()


@pytest.fixture
def page(browser: Browser, base_url: str, visit: Visit) -> Iterator[Page]:
    """A page in a fresh profile (light mode) that records problems into ``visit``."""
    context = open_context(browser, base_url, visit, color_scheme="light")
    yield context.new_page()
    context.close()
