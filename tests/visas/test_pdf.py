"""The visa printout (WeasyPrint through core.pdf): Arabic in logical order, both calendars, every
glyph present, the QR code drawn. Read back with poppler-utils (tests/pdfcheck.py)."""

import pytest

from tests.pdfcheck import ink_fraction, missing_glyphs, pdffonts, pdftotext, png_page, require_poppler
from visas.pdf import visa_pdf_bytes


@pytest.fixture(autouse=True)
def _poppler():
    require_poppler()


def test_visa_printout_reads_right_in_both_scripts(issued, tmp_path):
    pdf = visa_pdf_bytes(issued)
    path = tmp_path / "visa.pdf"
    path.write_bytes(pdf)
    text = pdftotext(path)
    for word in ("تأشيرة خروج وعودة", "رقم التأشيرة", "أحمد حسن", "صالحة حتى", "المدة", "شهران"):
        assert word in text, word
    for word in ("Exit/re-entry visa", "Ahmed Hassan", issued.number, issued.person.id_number, "Valid until", "2 months"):
        assert word in text, word
    assert issued.valid_until.strftime("%Y/%m/%d") in text and " AH — " in text and "هـ" in text
    assert "\ufffd" not in text and missing_glyphs(pdf) == 0
    assert all(f["emb"] == "yes" for f in pdffonts(path))


@pytest.mark.parametrize("months,en,ar", [(1, "1 month", "شهر واحد"), (4, "4 months", "أشهر"), (11, "11 months", "شهرا")])
def test_visa_printout_period_agrees_with_the_number_in_arabic(months, en, ar, issued, tmp_path):
    """Arabic counts months by the number (شهر واحد، شهران، 3-10 أشهر، 11+ شهراً), as the visa page does.
    pdftotext puts the digits beside the Arabic word in visual order and moves the tanween: only the word is read."""
    issued.months = months  # not saved: only the printout is read
    path = tmp_path / "visa.pdf"
    path.write_bytes(visa_pdf_bytes(issued))
    text = pdftotext(path).replace("\u064b", "")
    assert en in text and ar in text, text
    others = {"شهر واحد", "شهران", "أشهر", "شهرا"} - {ar}
    assert [w for w in others if w in text] == []


def test_visa_printout_draws_its_qr_code(issued, tmp_path):
    """The QR code is inline SVG: without it the page has far less ink (the printout is otherwise text)."""
    from visas import pdf as visa_pdf

    path = tmp_path / "visa.pdf"
    path.write_bytes(visa_pdf_bytes(issued))
    with_qr = ink_fraction(png_page(path, tmp_path / "with.png"))
    real = visa_pdf.visa_qr_svg
    try:
        visa_pdf.visa_qr_svg = lambda visa, scale=4: ""
        path.write_bytes(visa_pdf_bytes(issued))
    finally:
        visa_pdf.visa_qr_svg = real
    without_qr = ink_fraction(png_page(path, tmp_path / "without.png"))
    assert with_qr > without_qr * 1.2


def test_visa_png_for_a_person_to_look_at(issued, artifacts):
    """Kept with the screenshots (ARTIFACTS_DIR/screenshots/visa_ar.png) to be looked at by hand."""
    path = artifacts / "visa_ar.pdf"
    path.write_bytes(visa_pdf_bytes(issued))
    assert ink_fraction(png_page(path, artifacts / "visa_ar.png")) > 0.01
