"""A PDF in a Unicode font, shaped, that marks what its font cannot draw.

Shaped (harfbuzz, through fpdf2's text shaping): Arabic letters join and a right-to-left name
reads right to left; unshaped, "سلام" was printed as separate letters in reverse.

Marked: DejaVu Sans has Latin, Greek, Cyrillic, Arabic and
most signs, but no emoji; fpdf2 leaves such a character out with only a warning in the log, so
"Festival ✅🚀" printed as "Festival " and nobody could tell a sign was there. Each character the
font lacks is printed as a white square instead (the sheet is a record: a gap must show), and the
invisible joiners and variation selectors that emoji carry are dropped, as a font does."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import TTFFont

STAND_IN = "\u25a1"  # □, which DejaVu Sans has
# No glyph of their own, in any font: zero-width joiner, variation selectors, skin tones.
_INVISIBLE = {0x200D, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)}
_CONTROL = {ord("\n"), ord("\r"), ord("\t")}


class MarkedPDF(FPDF):
    def use_fonts(self, family: str, regular: Path, bold: Path) -> None:
        """Write in `family` (its regular and bold files), shaped."""
        self.add_font(family, "", str(regular))
        self.add_font(family, "B", str(bold))
        self.set_text_shaping(True)

    def normalize_text(self, text: str) -> str:
        font = self.current_font
        if not text.isascii() and isinstance(font, TTFFont):
            cmap = font.cmap
            text = "".join(
                char
                if ord(char) in cmap or ord(char) in _CONTROL
                else ("" if ord(char) in _INVISIBLE else STAND_IN)
                for char in text
            )
        return super().normalize_text(text)
