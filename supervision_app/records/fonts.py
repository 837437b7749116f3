"""Register the embedded DejaVu Sans family with ReportLab.

ReportLab's built-in Type 1 fonts (Helvetica...) only cover Latin-1, so names such as
"Łukasz" would print with missing glyphs. DejaVu Sans covers Latin, Greek, Cyrillic and
much more; the TTFs ship in ``resources/fonts`` with their licence (LICENSE-DejaVu.txt)
and are subset-embedded in every PDF we produce.
"""

from __future__ import annotations

import threading

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..resources import resource_path

__all__ = ["FONT_REGULAR", "FONT_BOLD", "FONT_ITALIC", "FONT_BOLD_ITALIC", "FAMILY", "register_fonts"]

FAMILY = "DejaVuSans"
FONT_REGULAR = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"

_FILES = {
    FONT_REGULAR: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
    FONT_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}

_lock = threading.Lock()
_registered = False


def register_fonts() -> str:
    """Register the family once (thread-safe) and return the regular font name."""
    global _registered
    if _registered:
        return FONT_REGULAR
    with _lock:
        if _registered:
            return FONT_REGULAR
        for name, filename in _FILES.items():
            path = resource_path("fonts", filename)
            if not path.is_file():
                raise FileNotFoundError(f"Embedded font missing: {path}")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        # The family mapping makes <b>/<i> in our own (trusted) markup pick the right faces.
        pdfmetrics.registerFontFamily(
            FAMILY, normal=FONT_REGULAR, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
        )
        _registered = True
    return FONT_REGULAR
