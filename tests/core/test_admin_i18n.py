"""The officers' admin in the officer's language (site header included) and its dates in both
calendars, like the portal's pages."""

import datetime as dt

import pytest
from django.utils import timezone

from core.dates import hijri_iso
from core.models import AuditLog


@pytest.mark.parametrize(
    ("lang", "header", "direction"),
    [("ar", "بوابة على نمط أبشر — الموظفون", 'dir="rtl"'), ("en", "Absher-style portal — officers", 'dir="ltr"')],
)
def test_admin_header_and_page_in_the_officers_language(admin_client, lang, header, direction):
    admin_client.cookies["absher_lang"] = lang
    html = admin_client.get("/admin/").content.decode()
    assert header in html and direction in html
    assert ("الطلبات والسجلات" in html) is (lang == "ar") and ("Requests and records" in html) is (lang == "en")
    # Django's own admin words follow (its Arabic catalogue).
    assert ("تسجيل الخروج" in html) is (lang == "ar")


@pytest.mark.parametrize(("lang", "marker"), [("en", "AH"), ("ar", "هـ")])
def test_admin_list_and_detail_show_dates_in_both_calendars(admin_client, lang, marker):
    at = timezone.make_aware(dt.datetime(2026, 11, 22, 14, 5), timezone.get_default_timezone())
    entry = AuditLog.objects.create(action="test.dates", at=at)
    admin_client.cookies["absher_lang"] = lang
    hijri = hijri_iso(at.date()).replace("-", "/")
    expected = f"{hijri} {marker} — 2026/11/22 14:05"
    assert expected in admin_client.get("/admin/core/auditlog/").content.decode()
    assert expected in admin_client.get(f"/admin/core/auditlog/{entry.pk}/change/").content.decode()
