"""Every report table on every page, measured as a reader's browser lays it out.

On a desktop (1280 px) a table never runs past the page's content column. On a
phone (390 px) every row's count, the number a reader came for, is on screen
without scrolling sideways: the table stacks, with the count beside the name.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import SITE, Visit, open_context, site_pages

REPORT_PAGES = [path for path in site_pages() if "lstmdoc-report" in (SITE / path).read_text()]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}

# Each report table: its width, the content column's, and where each row's count sits.
MEASURE = """() => Array.from(document.querySelectorAll(".lstmdoc-report table")).map((table) => {
    const column = table.closest("article") || document.body;
    const screen = document.documentElement.clientWidth;
    const box = table.getBoundingClientRect();
    const counts = Array.from(table.querySelectorAll("tbody tr, tfoot tr")).map((row) => {
        const cell = row.querySelector(".c-params");
        if (!cell) return {row: row.textContent.trim().slice(0, 40), missing: true};
        const rect = cell.getBoundingClientRect();
        return {
            row: row.querySelector(".name").textContent.trim().slice(0, 40),
            left: rect.left, right: rect.right, width: rect.width,
            text: cell.textContent.trim(),
        };
    });
    return {
        caption: table.caption ? table.caption.textContent.slice(0, 60) : "",
        right: box.right, width: box.width,
        columnRight: column.getBoundingClientRect().right,
        columnWidth: column.clientWidth,
        screen, page: document.documentElement.scrollWidth, counts,
    };
})"""


def test_the_site_has_report_tables():
    """The pages that show reports are found, so the checks below cannot pass vacuously."""
    assert {
        "explanation/attention-count.html",
        "explanation/pytorch-count.html",
        "how-to/explain-any-model.html",
    } <= set(REPORT_PAGES)


@pytest.fixture(scope="module")
def desktop(browser, base_url):
    context = open_context(browser, base_url, Visit(), color_scheme="light", **DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def phone(browser, base_url):
    context = open_context(browser, base_url, Visit(), color_scheme="light", **PHONE)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", REPORT_PAGES)
def test_no_table_overflows_the_column_on_a_desktop(desktop, base_url, path):
    """At 1280 px each table ends inside the content column."""
    desktop.goto(base_url + path, wait_until="load")
    tables = desktop.evaluate(MEASURE)
    assert tables
    wide = [
        f"{table['caption']!r}: {table['width']:.0f} px, column {table['columnWidth']} px"
        for table in tables
        if table["right"] > table["columnRight"] + 1
    ]
    assert not wide


@pytest.mark.parametrize("path", REPORT_PAGES)
def test_every_count_is_on_a_phones_screen(phone, base_url, path):
    """At 390 px every row's count is inside the screen, beside its name, without scrolling."""
    phone.goto(base_url + path, wait_until="load")
    tables = phone.evaluate(MEASURE)
    assert tables
    for table in tables:
        assert table["page"] <= table["screen"], table["caption"]
        off = [
            count
            for count in table["counts"]
            if count.get("missing")
            or count["width"] == 0
            or count["left"] < 0
            or count["right"] > table["screen"]
        ]
        assert not off, f"{table['caption']!r}: {off[:3]}"
