"""Bilingual A4 documents drawn with reportlab: English on the left, Arabic on the right, a value
in the middle. Arabic text is shaped (arabic-reshaper) and put in visual order (python-bidi)
before drawing, with a TTF font that has Arabic glyphs (DejaVu Sans, or Noto Naskh Arabic).
Receipts and visas draw through this one helper; it knows no document."""

import io
from functools import lru_cache
from pathlib import Path

import arabic_reshaper
from bidi.algorithm import get_display
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf"),
]
GREEN = (0.106, 0.514, 0.329)


@lru_cache(maxsize=1)
def pdf_fonts() -> tuple[str, str]:
    """(regular, bold) font names registered with reportlab."""
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).exists():
            pdfmetrics.registerFont(TTFont("Bilingual", regular))
            pdfmetrics.registerFont(TTFont("Bilingual-Bold", bold if Path(bold).exists() else regular))
            return "Bilingual", "Bilingual-Bold"
    raise RuntimeError("No TTF font with Arabic glyphs found: install fonts-dejavu-core or fonts-noto-core")


def ar(text: str) -> str:
    """Arabic text shaped and in visual order, ready for drawString."""
    return get_display(arabic_reshaper.reshape(text))


class BilingualPdf:
    """One document: rows of (English, Arabic, value) down an A4 page, new pages as needed."""

    def __init__(self, title: str):
        self.regular, self.bold = pdf_fonts()
        self.buf = io.BytesIO()
        self.canvas = canvas.Canvas(self.buf, pagesize=A4)
        self.canvas.setTitle(title)
        self.width, self.height = A4
        self.left, self.right = 40, self.width - 40
        self.y = self.height - 60

    def row(self, en: str, ar_text: str, value: str = "", *, bold: bool = False, size: int = 11, gap: int = 9) -> None:
        c = self.canvas
        c.setFont(self.bold if bold else self.regular, size)
        c.drawString(self.left, self.y, en)
        c.drawRightString(self.right, self.y, ar(ar_text))
        if value:
            c.drawCentredString(self.width / 2, self.y, value)
        self.down(size + gap)

    def title(self, en: str, ar_text: str) -> None:
        """The heading in green, English and Arabic on lines of their own (long titles never overlap)."""
        c = self.canvas
        c.setFillColorRGB(*GREEN)
        c.setFont(self.bold, 16)
        c.drawString(self.left, self.y, en)
        self.down(24)
        c.drawRightString(self.right, self.y, ar(ar_text))
        self.down(26)
        c.setFillColorRGB(0, 0, 0)

    def centred(self, text: str, *, arabic: bool = False, size: int = 11, gap: int = 16) -> None:
        self.canvas.setFont(self.regular, size)
        self.canvas.drawCentredString(self.width / 2, self.y, ar(text) if arabic else text)
        self.down(gap)

    def rule(self) -> None:
        self.canvas.line(self.left, self.y + 6, self.right, self.y + 6)
        self.down(8)

    def footer(self, en: str, ar_text: str) -> None:
        self.down(20)
        self.canvas.setFont(self.regular, 9)
        self.canvas.drawString(self.left, self.y, en)
        self.down(14)
        self.canvas.drawRightString(self.right, self.y, ar(ar_text))

    def down(self, dy: float) -> None:
        self.y -= dy
        if self.y < 80:
            self.canvas.showPage()
            self.y = self.height - 60

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buf.getvalue()
