"""The receipt as a PDF, Arabic and English side by side (core.pdf draws bilingual documents)."""

from django.utils import timezone, translation

from core.dates import dual_date
from core.pdf import BilingualPdf, ar
from payments.models import Payment


def receipt_pdf_bytes(payment: Payment) -> bytes:
    doc = BilingualPdf(f"Receipt {payment.reference}")
    doc.title("Payment receipt — sandbox", "إيصال سداد — بيئة تجريبية")
    paid_at = timezone.localtime(payment.paid_at) if payment.paid_at else None
    with translation.override("en"):
        date_en = f"{dual_date(paid_at)} {paid_at:%H:%M}" if paid_at else "-"
    doc.row("Receipt number", "رقم الإيصال", payment.reference)
    doc.row("Status", "الحالة", "REFUNDED / " + ar("مسترد") if payment.status == Payment.Status.REFUNDED else "PAID / " + ar("مدفوع"))
    doc.row("Paid by", "الدافع", payment.person.id_number)
    doc.centred(payment.person.name_en)
    doc.centred(payment.person.name_ar, arabic=True, gap=20)
    doc.row("Paid on", "تاريخ السداد", date_en)
    method = {"SADAD": "SADAD", "CARD": f"mada card **** {payment.card_last4}"}.get(payment.method, payment.method)
    doc.row("Method", "طريقة الدفع", method)
    doc.row("SADAD biller code", "رمز المفوتر", payment.biller_code)
    doc.row("SADAD bill number", "رقم فاتورة سداد", payment.bill_number)
    if payment.bank_reference:
        doc.row("Bank reference", "مرجع البنك", payment.bank_reference)
    doc.down(8)
    doc.rule()
    doc.row("Item", "البند", "Amount (SAR) / " + ar("المبلغ"), bold=True)
    for item in payment.items.all():
        doc.row(item.description_en[:60], item.description_ar[:60], f"{item.amount:.2f}", size=10, gap=8)
    doc.rule()
    doc.row("Total (SAR)", "الإجمالي (ريال)", f"{payment.amount:.2f}", bold=True, size=13)
    if payment.status == Payment.Status.REFUNDED:
        doc.down(6)
        doc.row("Refunded", "تم الاسترداد", f"{payment.amount:.2f}", bold=True)
    doc.footer("An open-source demonstration portal: no real money moves.", "بوابة تجريبية مفتوحة المصدر: لا تنتقل أموال حقيقية.")
    return doc.finish()
