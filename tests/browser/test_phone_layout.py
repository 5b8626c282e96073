"""Every page fits a phone's width: nothing makes the whole page scroll sideways."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Visit, open_context, site_pages

PAGES = site_pages()
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True}


@pytest.fixture(scope="module")
def phone(browser, base_url):
    """One phone-sized browser context for every page of this module."""
    # test_pages.py checks what loading each page records; this module, only its width.
    context = open_context(browser, base_url, Visit(), color_scheme="light", **PHONE)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_page_is_wider_than_a_phone(phone, base_url, path):
    """The page is as wide as a 360 px screen; wide code and tables scroll inside their box.

    A long inline literal, a signature or a table that cannot shrink makes the
    document itself wider than the screen; the offending elements are named.
    """
    phone.goto(base_url + path, wait_until="load")
    widths = phone.evaluate(
        """() => {
            const screen = document.documentElement.clientWidth;
            const scrolls = (element) => {
                for (let up = element.parentElement; up; up = up.parentElement) {
                    const overflow = getComputedStyle(up).overflowX;
                    if (overflow !== "visible" && overflow !== "clip") return true;
                }
                return false;
            };
            const wide = Array.from(document.querySelectorAll("article *"))
                .filter((element) => element.getBoundingClientRect().right > screen + 1)
                .filter((element) => !scrolls(element))
                .map((element) => `${element.tagName}: ${element.textContent.trim().slice(0, 60)}`);
            return {screen, page: document.documentElement.scrollWidth, wide: wide.slice(0, 5)};
        }"""
    )
    assert widths["page"] <= widths["screen"], widths["wide"]
