"""The visa as a printable PDF, Arabic and English side by side (core.pdf draws bilingual
documents), with the QR code drawn from segno's module matrix."""

from django.utils import timezone, translation

from core.dates import dual_date
from core.pdf import BilingualPdf, ar
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
    doc = BilingualPdf(f"Exit/re-entry visa {visa.number}")
    doc.title("Exit/re-entry visa — sandbox", "تأشيرة خروج وعودة — بيئة تجريبية")
    doc.down(6)
    with translation.override("en"):
        use_by = dual_date(visa.use_by) if visa.use_by else "-"
        until = dual_date(visa.valid_until) if visa.valid_until else "-"
        issued = dual_date(timezone.localtime(visa.issued_at)) if visa.issued_at else "-"
    p = visa.person
    doc.row("Visa number", "رقم التأشيرة", visa.number or "-", bold=True, size=13, gap=10)
    doc.row("Type", "النوع", f"{visa.type.title()} / " + ar(TYPE_AR[visa.type]), gap=10)
    doc.row("Traveller ID number", "رقم هوية المسافر", p.id_number, gap=10)
    doc.centred(p.name_en)
    doc.centred(p.name_ar, arabic=True, gap=22)
    doc.row("Period", "المدة", f"{visa.months} months / " + ar(f"{visa.months} أشهر"), gap=10)
    doc.row("Issued on", "تاريخ الإصدار", issued, gap=10)
    doc.row("Leave before", "المغادرة قبل", use_by, gap=10)
    doc.row("Valid until", "صالحة حتى", until, gap=10)
    doc.row("Status", "الحالة", f"{visa.status} / " + ar(STATUS_AR.get(visa.status, "")), gap=10)
    doc.down(8)
    # The QR code, one square per dark module.
    c = doc.canvas
    qr = visa_qr(visa)
    size = 150
    n = len(qr.matrix)
    mod = size / (n + 8)
    x0, y0 = (doc.width - size) / 2, doc.y - size
    c.setFillColorRGB(0.043, 0.239, 0.165)
    for r, line in enumerate(qr.matrix):
        for col, dark in enumerate(line):
            if dark:
                c.rect(x0 + (col + 4) * mod, y0 + size - (r + 5) * mod, mod, mod, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    doc.y = y0 - 4
    doc.footer("An open-source demonstration portal: not a travel document.", "بوابة تجريبية مفتوحة المصدر: ليست وثيقة سفر.")
    return doc.finish()
