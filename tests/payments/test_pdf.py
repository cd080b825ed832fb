"""The receipt PDF (WeasyPrint through core.pdf): Arabic shaped and in logical order, every glyph
present and embedded, the page not blank. Read back with poppler-utils (tests/pdfcheck.py).
The words asserted have no lam-alef: that mandatory ligature is one glyph whose two letters
pdftotext gives back swapped ("الإيصال" as "اإليصال") whatever the PDF writer; the PNG shows it
right."""

import pytest

from payments.pdf import receipt_pdf_bytes
from payments.services import payment_mark_paid, payment_refund
from tests.factories import PersonFactory
from tests.payments.test_services import make_payment
from tests.pdfcheck import ink_fraction, missing_glyphs, pdffonts, pdftotext, png_page, require_poppler


@pytest.fixture(autouse=True)
def _poppler():
    require_poppler()


def paid_payment(name_ar="عبدالله محمد القحطاني"):
    person = PersonFactory(name_ar=name_ar, name_en="Abdullah Mohammed Alqahtani")
    p = make_payment(person)
    payment_mark_paid(payment_id=p.pk, method="CARD", card_last4="1111")
    p.refresh_from_db()
    return p


@pytest.mark.django_db
def test_receipt_reads_in_logical_order_in_both_scripts(tmp_path):
    p = paid_payment()
    path = tmp_path / "receipt.pdf"
    path.write_bytes(receipt_pdf_bytes(p))
    text = pdftotext(path)
    # Arabic words come back in logical order, joined letters (not "عوفدم"), the name whole.
    for word in ("مدفوع", "عبدالله محمد القحطاني", "إيصال سداد", "الحالة", "الدافع", "تاريخ السداد", "طريقة الدفع", "بطاقة مدى", "رسم"):
        assert word in text, word
    assert "عوفدم" not in text and "\ufffd" not in text
    # English and the numbers too; the date in both calendars in each language.
    for word in (
        "Payment receipt",
        "Paid",
        "Abdullah Mohammed Alqahtani",
        p.reference,
        p.bill_number,
        "117.50",
        "100.00",
        "17.50",
        "mada card •••• 1111",
    ):
        assert word in text, word
    assert " AH — " in text and "هـ" in text
    # Each row keeps its English label, value and Arabic label on one line, left to right.
    layout = pdftotext(path, "-layout")
    row = next(line for line in layout.splitlines() if "Receipt number" in line)
    assert row.index("Receipt number") < row.index(p.reference) < row.index("رقم")


@pytest.mark.django_db
def test_receipt_every_glyph_present_embedded_and_the_page_drawn(tmp_path):
    p = paid_payment()
    pdf = receipt_pdf_bytes(p)
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    assert missing_glyphs(pdf) == 0
    fonts = pdffonts(path)
    assert fonts and all(f["emb"] == "yes" and f["uni"] == "yes" for f in fonts), fonts
    assert any("Arabic" in f["name"] for f in fonts), fonts
    png = png_page(path, tmp_path / "receipt.png")
    assert 0.01 < ink_fraction(png) < 0.5


@pytest.mark.django_db
def test_missing_glyph_check_catches_a_character_no_font_has(tmp_path):
    """The check above can fail: a private-use character in the name is drawn as .notdef."""
    p = paid_payment(name_ar="عبدالله \ue000")
    assert missing_glyphs(receipt_pdf_bytes(p)) >= 1


@pytest.mark.django_db
def test_refunded_receipt_says_so_in_both_languages(tmp_path):
    p = paid_payment()
    payment_refund(payment_id=p.pk, reason="Request rejected")
    p.refresh_from_db()
    path = tmp_path / "receipt.pdf"
    path.write_bytes(receipt_pdf_bytes(p))
    text = pdftotext(path)
    assert "Refunded" in text and "Refunded on" in text and "مسترد" in text
    # (lam-alef, as in "الاسترداد", is one glyph poppler gives back as alef-lam: not asserted)


@pytest.mark.django_db
def test_arabic_receipt_png_for_a_person_to_look_at(artifacts):
    """Kept with the screenshots (ARTIFACTS_DIR/screenshots/receipt_ar.png) to be looked at by hand."""
    p = paid_payment()
    path = artifacts / "receipt_ar.pdf"
    path.write_bytes(receipt_pdf_bytes(p))
    png = png_page(path, artifacts / "receipt_ar.png")
    assert png.exists() and ink_fraction(png) > 0.01
