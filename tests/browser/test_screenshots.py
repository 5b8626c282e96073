"""Full-page screenshots of every page, on a desktop and a phone, light and dark.

They are for a person to review the site as pictures, not a comparison with earlier
pictures: each lands in docs/_build/screenshots/, named after the page, the
viewport and the colour scheme, e.g. ``explanation/parameter-count.phone-dark.png``;
``nox -s browser`` empties that folder first. What is asserted is that each page is
shown as it should be for the shot: in the scheme asked for, with every figure
loaded and the fonts ready, and that the picture was written and is not blank.

A full-page shot draws the page as if the window were as tall as the page, but
elements sized to the window keep its height: the sidebars, which scroll on their
own, show what a reader sees of them at the top of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser.conftest import ROOT, open_context, site_pages

SCREENSHOTS = ROOT / "docs" / "_build" / "screenshots"


@dataclass(frozen=True)
class Screen:
    """A browser window: its size in CSS pixels, device pixels per CSS pixel, and kind."""

    width: int
    height: int
    scale: int
    mobile: bool

    def options(self) -> dict[str, Any]:
        """Playwright's options for a browser context with this screen."""
        return {
            "viewport": {"width": self.width, "height": self.height},
            "device_scale_factor": self.scale,
            "is_mobile": self.mobile,
            "has_touch": self.mobile,
        }


# A laptop's window, and a phone's screen (390 × 844 CSS pixels, as on a recent
# iPhone), with touch and a mobile browser's layout. Two device pixels per CSS pixel
# rather than the iPhone's three: as sharp as many phones, and the pictures a third
# smaller.
VIEWPORTS = {
    "desktop": Screen(width=1280, height=800, scale=1, mobile=False),
    "phone": Screen(width=390, height=844, scale=2, mobile=True),
}
SCHEMES = ["light", "dark"]
# Text, figures and the theme's colours draw many colours; a blank page draws one or two.
MANY_COLOURS = 16
# The pictures are the test's own, not a stranger's file, so Pillow's guard against
# decompression bombs (89 million pixels) does not apply: the internals reference,
# the longest page, is 200 million pixels on the phone. A limit stays, so that a page
# that grew without end is still noticed.
PIXELS_AT_MOST = 400_000_000


def screenshot_path(path: str, viewport: str, scheme: str) -> Path:
    """Where the screenshot of a page (``explanation/parameter-count.html``) goes."""
    return SCREENSHOTS / f"{path.removesuffix('.html')}.{viewport}-{scheme}.png"


# Load every figure now (the site marks them loading="lazy", and a full-page shot
# does not scroll to them), wait until each is decoded and the fonts are ready; return
# the figures that failed to load.
_READY = """async () => {
    const images = Array.from(document.images);
    const loaded = await Promise.all(images.map((image) => {
        image.loading = "eager";
        return image.decode().then(() => image.naturalWidth > 0, () => false);
    }));
    await document.fonts.ready;
    return images.filter((_, index) => !loaded[index]).map((image) => image.src);
}"""


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("path", site_pages())
def test_writes_a_full_page_screenshot(browser, base_url, visit, path, viewport, scheme):
    """The page, shown in the scheme asked for with its figures and fonts, is pictured."""
    screen = VIEWPORTS[viewport]
    context = open_context(
        browser,
        base_url,
        visit,
        color_scheme=scheme,
        reduced_motion="reduce",
        **screen.options(),
    )
    page = context.new_page()
    page.goto(base_url + path, wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == scheme
    assert page.evaluate(_READY) == []
    target = screenshot_path(path, viewport, scheme)
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=target, full_page=True, animations="disabled")
    context.close()
    assert visit.problems() == {}
    Image.MAX_IMAGE_PIXELS = PIXELS_AT_MOST
    with Image.open(target) as picture:
        # At least the screen: wider where the page overflows it, taller where it scrolls.
        assert picture.width >= screen.width * screen.scale
        assert picture.height >= screen.height * screen.scale
        colours = picture.convert("RGB").getcolors(maxcolors=MANY_COLOURS)
        assert colours is None, f"{target} is nearly blank: {len(colours)} colours"
