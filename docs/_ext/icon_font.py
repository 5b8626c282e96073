"""Cut an icon font down to the glyphs that a site's stylesheets can draw.

The theme's Font Awesome font holds about 1,400 icons (115 kB) and a page loads it
before its icons show. The site draws a dozen or so of them, each named by its
character in a stylesheet (``content: "\\f002"``, or ``--fa: "\\f002"`` for an
icon class), so the font is subset to those characters with fontTools, keeping the
font's names and licence.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from fontTools import subset


def subset_font(path: Path, characters: set[str]) -> tuple[int, int]:
    """Rewrite the font at ``path`` with only the glyphs of ``characters`` (and .notdef).

    The file is replaced whole, or not at all. Returns its size before and after, in bytes.
    """
    options = subset.Options()
    options.flavor = path.suffix.lstrip(".") if path.suffix in {".woff", ".woff2"} else None
    options.name_IDs = ["*"]  # copyright, licence and the family name stay
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    before = path.stat()
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    os.close(descriptor)
    fonttools_log = logging.getLogger("fontTools")
    level = fonttools_log.level
    fonttools_log.setLevel(logging.WARNING)  # the subsetter narrates every step at INFO
    try:
        with subset.load_font(str(path), options) as font:
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=[ord(character) for character in characters])
            subsetter.subset(font)
            subset.save_font(font, temporary, options)
        Path(temporary).chmod(before.st_mode)  # mkstemp's file is private; a site's is not
        Path(temporary).replace(path)
    finally:
        fonttools_log.setLevel(level)
        Path(temporary).unlink(missing_ok=True)
    return before.st_size, path.stat().st_size
