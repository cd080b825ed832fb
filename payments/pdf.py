"""The receipt as a PDF, Arabic and English side by side: payments/receipt_pdf.html rendered by
core.pdf (WeasyPrint), dates in both calendars in each language."""

from django.utils import timezone

from core.dates import dual_date
from core.pdf import in_both_languages, render_pdf
from payments.models import Payment

STATUS = {
    Payment.Status.PAID: ("Paid", "مدفوع"),
    Payment.Status.REFUNDED: ("Refunded", "مسترد"),
}


def _when(moment) -> tuple[str, str]:
    """(English, Arabic) forms of a moment: both calendars and the local time."""
    if moment is None:
        return "-", ""
    local = timezone.localtime(moment)
    return in_both_languages(lambda: f"{dual_date(local)} {local:%H:%M}")


def receipt_pdf_bytes(payment: Payment) -> bytes:
    status_en, status_ar = STATUS.get(payment.status, (payment.status, ""))
    if payment.method == Payment.Method.CARD:
        method_en, method_ar = f"mada card •••• {payment.card_last4}", "بطاقة مدى"
    elif payment.method == Payment.Method.SADAD:
        method_en, method_ar = "SADAD", "سداد"
    else:
        method_en, method_ar = payment.method or "-", ""
    paid_on_en, paid_on_ar = _when(payment.paid_at)
    refunded_on_en, refunded_on_ar = _when(payment.refunded_at)
    context = {
        "payment": payment,
        "refunded": payment.status == Payment.Status.REFUNDED,
        "status_en": status_en,
        "status_ar": status_ar,
        "method_en": method_en,
        "method_ar": method_ar,
        "paid_on_en": paid_on_en,
        "paid_on_ar": paid_on_ar,
        "refunded_on_en": refunded_on_en,
        "refunded_on_ar": refunded_on_ar,
        "items": [
            {"description_en": i.description_en, "description_ar": i.description_ar, "amount": f"{i.amount:,.2f}"}
            for i in payment.items.all()
        ],
        "total": f"{payment.amount:,.2f}",
    }
    return render_pdf("payments/receipt_pdf.html", context)
