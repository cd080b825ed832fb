"""The receipt as a PDF, Arabic and English side by side, drawn with reportlab. Arabic text
is shaped (arabic-reshaper) and put in visual order (python-bidi) before drawing, with a
TTF font that has Arabic glyphs (DejaVu Sans, or Noto Naskh Arabic for the Arabic lines)."""

import io
from functools import lru_cache
from pathlib import Path

import arabic_reshaper
from bidi.algorithm import get_display
from django.utils import timezone, translation
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from core.dates import dual_date
from payments.models import Payment

_FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf"),
]


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    for regular, bold in _FONT_CANDIDATES:
        if Path(regular).exists():
            pdfmetrics.registerFont(TTFont("Receipt", regular))
            pdfmetrics.registerFont(TTFont("Receipt-Bold", bold if Path(bold).exists() else regular))
            return "Receipt", "Receipt-Bold"
    raise RuntimeError("No TTF font with Arabic glyphs found: install fonts-dejavu-core or fonts-noto-core")


def _ar(text: str) -> str:
    return get_display(arabic_reshaper.reshape(text))


def receipt_pdf_bytes(payment: Payment) -> bytes:
    regular, bold = _fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"Receipt {payment.reference}")
    width, height = A4
    left, right = 40, width - 40
    y = height - 60

    def row(en: str, ar: str, value: str = "", font=regular, size=11):
        nonlocal y
        c.setFont(font, size)
        c.drawString(left, y, en)
        c.drawRightString(right, y, _ar(ar))
        if value:
            c.drawCentredString(width / 2, y, value)
        y -= size + 9

    c.setFillColorRGB(0.106, 0.514, 0.329)
    row("Payment receipt — sandbox", "إيصال سداد — بيئة تجريبية", font=bold, size=16)
    c.setFillColorRGB(0, 0, 0)
    y -= 6
    paid_at = timezone.localtime(payment.paid_at) if payment.paid_at else None
    with translation.override("en"):
        date_en = f"{dual_date(paid_at)} {paid_at:%H:%M}" if paid_at else "-"
    row("Receipt number", "رقم الإيصال", payment.reference)
    row("Status", "الحالة", "REFUNDED / مسترد" if payment.status == Payment.Status.REFUNDED else "PAID / مدفوع")
    row("Paid by", "الدافع", payment.person.id_number)
    c.setFont(regular, 11)
    c.drawCentredString(width / 2, y, payment.person.name_en)
    y -= 16
    c.drawCentredString(width / 2, y, _ar(payment.person.name_ar))
    y -= 20
    row("Paid on", "تاريخ السداد", date_en)
    method = {"SADAD": "SADAD / سداد", "CARD": f"mada card **** {payment.card_last4}"}.get(payment.method, payment.method)
    row("Method", "طريقة الدفع", method if payment.method != "SADAD" else "SADAD")
    row("SADAD biller code", "رمز المفوتر", payment.biller_code)
    row("SADAD bill number", "رقم فاتورة سداد", payment.bill_number)
    if payment.bank_reference:
        row("Bank reference", "مرجع البنك", payment.bank_reference)
    y -= 8
    c.line(left, y + 6, right, y + 6)
    y -= 8
    row("Item", "البند", "Amount (SAR) / المبلغ", font=bold)
    for item in payment.items.all():
        c.setFont(regular, 10)
        c.drawString(left, y, item.description_en[:60])
        c.drawRightString(right, y, _ar(item.description_ar[:60]))
        c.drawCentredString(width / 2, y, f"{item.amount:.2f}")
        y -= 18
        if y < 100:
            c.showPage()
            y = height - 60
    c.line(left, y + 6, right, y + 6)
    y -= 8
    row("Total (SAR)", "الإجمالي (ريال)", f"{payment.amount:.2f}", font=bold, size=13)
    if payment.status == Payment.Status.REFUNDED:
        y -= 6
        row("Refunded", "تم الاسترداد", f"{payment.amount:.2f}", font=bold)
    y -= 20
    c.setFont(regular, 9)
    c.drawString(left, y, "An open-source demonstration portal: no real money moves.")
    y -= 14
    c.drawRightString(right, y, _ar("بوابة تجريبية مفتوحة المصدر: لا تنتقل أموال حقيقية."))
    c.showPage()
    c.save()
    return buf.getvalue()
