"""The visa as a printable PDF, Arabic and English side by side: visas/visa_pdf.html rendered by
core.pdf (WeasyPrint), dates in both calendars in each language, the QR code as inline SVG."""

from django.utils import timezone

from core.dates import dual_date
from core.pdf import in_both_languages, render_pdf
from visas.qr import visa_qr_svg
from visas.services.visas import months_in


def _both(value) -> tuple[str, str]:
    """(English, Arabic) forms of a date in both calendars."""
    if value is None:
        return "-", ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        value = timezone.localtime(value)
    return in_both_languages(lambda: dual_date(value))


def visa_pdf_bytes(visa) -> bytes:
    issued_en, issued_ar = _both(visa.issued_at)
    use_by_en, use_by_ar = _both(visa.use_by)
    until_en, until_ar = _both(visa.valid_until)
    type_en, type_ar = in_both_languages(visa.get_type_display)
    status_en, status_ar = in_both_languages(visa.get_status_display)
    months_en, months_ar = months_in("en", visa.months), months_in("ar", visa.months)  # Arabic agrees with the number
    context = {
        "visa": visa,
        "type_en": type_en,
        "type_ar": type_ar,
        "months_en": months_en,
        "months_ar": months_ar,
        "issued_en": issued_en,
        "issued_ar": issued_ar,
        "use_by_en": use_by_en,
        "use_by_ar": use_by_ar,
        "until_en": until_en,
        "until_ar": until_ar,
        "status_en": status_en,
        "status_ar": status_ar,
        "qr_svg": visa_qr_svg(visa, scale=4),
    }
    return render_pdf("visas/visa_pdf.html", context)
