"""The search page in Chromium: its index loads deferred (docs/_templates/search.html), and a search finds pages."""

from __future__ import annotations


def test_a_search_lists_the_pages_that_hold_its_words(page, base_url):
    """The index is read after the page shows, as Sphinx's basic theme loads it; results still come."""
    page.goto(base_url + "search.html?q=multiply-adds")
    assert page.locator('script[src="searchindex.js"][defer]').count() == 1
    # Sphinx's searchtools lists the pages one by one, then writes how many it found.
    page.wait_for_function(
        "document.querySelector('#search-results')?.textContent.includes('Search finished')",
        timeout=15_000,
    )
    titles = page.locator("#search-results li a").all_inner_texts()
    assert "What an LSTM costs" in titles
