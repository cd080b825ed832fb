"""The visa as a printable PDF, Arabic and English side by side, drawn with reportlab the way
payments' receipts are (Arabic shaped and put in visual order, a TTF font with Arabic glyphs),
with the QR code drawn from segno's module matrix."""

import io

from django.utils import timezone, translation
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from core.dates import dual_date
from payments.pdf import _ar, _fonts
from visas.qr import visa_qr

TYPE_AR = {"SINGLE": "مفردة", "MULTIPLE": "متعددة"}
STATUS_AR = {
    "AWAITING_PAYMENT": "بانتظار السداد",
    "ISSUED": "صادرة، لم تستخدم بعد",
    "USED_EXIT": "مستخدمة: خارج المملكة",
    "RETURNED": "تمت العودة",
    "LAPSED": "انتهت دون استخدام",
    "CANCELLED": "ملغاة",
}


def visa_pdf_bytes(visa) -> bytes:
    regular, bold = _fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"Exit/re-entry visa {visa.number}")
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
        y -= size + 10

    c.setFillColorRGB(0.106, 0.514, 0.329)
    c.setFont(bold, 16)
    c.drawString(left, y, "Exit/re-entry visa — sandbox")
    y -= 24
    c.drawRightString(right, y, _ar("تأشيرة خروج وعودة — بيئة تجريبية"))
    y -= 26
    c.setFillColorRGB(0, 0, 0)
    y -= 6
    with translation.override("en"):
        use_by = dual_date(visa.use_by) if visa.use_by else "-"
        until = dual_date(visa.valid_until) if visa.valid_until else "-"
        issued = dual_date(timezone.localtime(visa.issued_at)) if visa.issued_at else "-"
    p = visa.person
    row("Visa number", "رقم التأشيرة", visa.number or "-", font=bold, size=13)
    row("Type", "النوع", f"{visa.type.title()} / " + _ar(TYPE_AR[visa.type]))
    row("Traveller ID number", "رقم هوية المسافر", p.id_number)
    c.setFont(regular, 11)
    c.drawCentredString(width / 2, y, p.name_en)
    y -= 16
    c.drawCentredString(width / 2, y, _ar(p.name_ar))
    y -= 22
    row("Period", "المدة", f"{visa.months} months / " + _ar(f"{visa.months} أشهر"))
    row("Issued on", "تاريخ الإصدار", issued)
    row("Leave before", "المغادرة قبل", use_by)
    row("Valid until", "صالحة حتى", until)
    row("Status", "الحالة", f"{visa.status} / " + _ar(STATUS_AR.get(visa.status, "")))
    y -= 8
    # The QR code, one square per dark module.
    qr = visa_qr(visa)
    size = 150
    n = len(qr.matrix)
    mod = size / (n + 8)
    x0, y0 = (width - size) / 2, y - size
    c.setFillColorRGB(0.043, 0.239, 0.165)
    for r, line in enumerate(qr.matrix):
        for col, dark in enumerate(line):
            if dark:
                c.rect(x0 + (col + 4) * mod, y0 + size - (r + 5) * mod, mod, mod, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    y = y0 - 24
    c.setFont(regular, 9)
    c.drawString(left, y, "An open-source demonstration portal: not a travel document.")
    y -= 14
    c.drawRightString(right, y, _ar("بوابة تجريبية مفتوحة المصدر: ليست وثيقة سفر."))
    c.showPage()
    c.save()
    return buf.getvalue()
