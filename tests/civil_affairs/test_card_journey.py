"""The ID card's issuance counts working days: Sunday to Thursday, less the public holidays of
registry.Holiday. The pure function (core.dates.add_working_days) on weekends and holidays, the
holiday table, the expected issue date of a renewal, and the tracking page showing it in both
calendars."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from civil_affairs.models import IdRenewal
from civil_affairs.services.card_journey import card_issue_date, renewal_card_expected_date
from core import dates
from registry.models import Holiday
from tests.factories import OfficeFactory, PersonFactory

FRI_SAT = (4, 5)
# 2026-12-06 is a Sunday; 2026-12-10 a Thursday, 2026-12-11 a Friday, 2026-12-12 a Saturday.
SUN = dt.date(2026, 12, 6)
THU = dt.date(2026, 12, 10)
FRI = dt.date(2026, 12, 11)
SAT = dt.date(2026, 12, 12)


# --- the pure function --------------------------------------------------------------------------
def test_the_week_runs_sunday_to_thursday():
    assert [SUN.weekday(), THU.weekday(), FRI.weekday(), SAT.weekday()] == [6, 3, 4, 5]
    assert [dates.is_working_day(SUN + dt.timedelta(days=i), weekend=FRI_SAT) for i in range(7)] == [
        True,  # Sun
        True,  # Mon
        True,  # Tue
        True,  # Wed
        True,  # Thu
        False,  # Fri
        False,  # Sat
    ]


@pytest.mark.parametrize(
    "start,days,expected",
    [
        (SUN, 1, dt.date(2026, 12, 7)),  # Monday
        (SUN, 4, THU),
        (SUN, 5, dt.date(2026, 12, 13)),  # Thu + 1 working day skips Fri and Sat: next Sunday
        (THU, 1, dt.date(2026, 12, 13)),
        (FRI, 1, dt.date(2026, 12, 13)),  # from a weekend day
        (SAT, 1, dt.date(2026, 12, 13)),
        (SUN, 14, dt.date(2026, 12, 24)),  # two full weeks + 4 days: Thursday the 24th
        (SUN, 0, SUN),
        (FRI, 0, dt.date(2026, 12, 13)),  # 0 days from a weekend day: the next working day
    ],
)
def test_weekends_are_skipped(start, days, expected):
    assert dates.add_working_days(start, days, weekend=FRI_SAT) == expected


def test_holidays_are_skipped_and_a_holiday_on_a_weekend_changes_nothing():
    holidays = {dt.date(2026, 12, 7), dt.date(2026, 12, 8)}  # Mon, Tue
    assert dates.add_working_days(SUN, 1, weekend=FRI_SAT, holidays=holidays) == dt.date(2026, 12, 9)
    assert dates.add_working_days(SUN, 4, weekend=FRI_SAT, holidays=holidays) == dt.date(2026, 12, 14)
    assert dates.add_working_days(SUN, 4, weekend=FRI_SAT, holidays={FRI}) == THU
    # a long holiday (Eid): a whole working week off
    eid = {dt.date(2026, 12, 13) + dt.timedelta(days=i) for i in range(5)}
    assert dates.add_working_days(THU, 1, weekend=FRI_SAT, holidays=eid) == dt.date(2026, 12, 20)
    assert dates.working_days_between(SUN, dt.date(2026, 12, 20), weekend=FRI_SAT, holidays=eid) == 5


def test_the_weekend_is_an_argument_and_bad_input_is_refused():
    assert dates.add_working_days(SUN, 5, weekend=(5, 6)) == dt.date(2026, 12, 11)  # a Saturday-Sunday weekend: Friday works
    with pytest.raises(ValueError):
        dates.add_working_days(SUN, -1, weekend=FRI_SAT)
    with pytest.raises(ValueError):
        dates.add_working_days(SUN, 1, weekend=range(7))


def test_working_days_between_counts_what_add_adds():
    for n in range(30):
        end = dates.add_working_days(SUN, n, weekend=FRI_SAT)
        assert dates.working_days_between(SUN, end, weekend=FRI_SAT) == n


# --- the holiday table and the card ----------------------------------------------------------------
@pytest.mark.django_db
def test_card_issue_date_reads_the_holiday_table_and_the_settings(settings):
    settings.ID_ISSUANCE_WORKING_DAYS = 14
    settings.WEEKEND_WEEKDAYS = [4, 5]
    assert card_issue_date(start=SUN) == dt.date(2026, 12, 24)
    Holiday.objects.create(date=dt.date(2026, 12, 15), name_ar="عطلة", name_en="A holiday")
    Holiday.objects.create(date=dt.date(2026, 12, 16), name_ar="عطلة", name_en="Another")
    Holiday.objects.create(date=dt.date(2027, 3, 1), name_ar="بعيدة", name_en="Far away")  # outside the span: no effect
    assert card_issue_date(start=SUN) == dt.date(2026, 12, 28)  # two working days later: Thu 24 → Sun 27 → Mon 28
    settings.ID_ISSUANCE_WORKING_DAYS = 3
    assert card_issue_date(start=SUN) == dt.date(2026, 12, 9)


@pytest.mark.django_db
def test_a_run_of_holidays_longer_than_the_first_span_is_still_counted(settings):
    settings.ID_ISSUANCE_WORKING_DAYS = 2
    for i in range(1, 40):  # 39 days of holidays after SUN
        Holiday.objects.create(date=SUN + dt.timedelta(days=i), name_ar="ع", name_en=f"H{i}")
    assert card_issue_date(start=SUN) == dates.add_working_days(SUN + dt.timedelta(days=39), 2, weekend=settings.WEEKEND_WEEKDAYS)


def make_renewal(status, **fields):
    return IdRenewal.objects.create(
        person=fields.pop("person", None) or PersonFactory(),
        reference="IDR-" + uuid.uuid4().hex[:10].upper(),
        status=status,
        photo_sha256="0" * 64,
        **fields,
    )


@pytest.mark.django_db
def test_expected_date_counts_from_the_approval_or_from_today(settings):
    settings.ID_ISSUANCE_WORKING_DAYS = 14
    decided = timezone.make_aware(dt.datetime(2026, 12, 6, 10, 0))
    approved = make_renewal("APPROVED", decided_at=decided)
    assert renewal_card_expected_date(approved) == dt.date(2026, 12, 24)
    printing = make_renewal("PRINTING", decided_at=decided)
    assert renewal_card_expected_date(printing) == dt.date(2026, 12, 24)
    waiting = make_renewal("IN_PROCESS")
    assert renewal_card_expected_date(waiting) == card_issue_date(start=dates.today())
    for done in ("READY_FOR_PICKUP", "OUT_FOR_DELIVERY", "DELIVERED", "COLLECTED", "REJECTED", "CANCELLED", "PHOTO_REJECTED"):
        assert renewal_card_expected_date(make_renewal(done)) is None, done


@pytest.mark.django_db
@pytest.mark.parametrize("lang,marker", [("en", "AH"), ("ar", "هـ")])
def test_tracking_page_shows_the_expected_date_in_both_calendars(web_client_for, settings, lang, marker):
    settings.ID_ISSUANCE_WORKING_DAYS = 14
    person = PersonFactory()
    decided = timezone.make_aware(dt.datetime(2026, 12, 6, 10, 0))
    r = make_renewal("APPROVED", person=person, decided_at=decided, delivery_method="PICKUP", office=OfficeFactory())
    page = web_client_for(person, lang=lang).get(reverse("civil_affairs:detail", kwargs={"pk": r.pk})).content.decode()
    with translation.override(lang):
        shown = dates.dual_date(dt.date(2026, 12, 24))
    assert 'data-testid="card-expected" data-date="2026-12-24"' in page
    assert shown in page and "2026/12/24" in shown and marker in shown and dates.hijri_iso(dt.date(2026, 12, 24)).replace("-", "/") in shown
    if lang == "en":
        assert "14 working days from the approval (Sunday to Thursday, public holidays excluded)" in page
    else:
        assert "التاريخ المتوقع لإصدار البطاقة" in page


@pytest.mark.django_db
def test_outsider_does_not_see_the_tracking_page(web_client_for, outsider):
    r = make_renewal("APPROVED", decided_at=timezone.now(), delivery_method="PICKUP", office=OfficeFactory())
    assert web_client_for(outsider).get(reverse("civil_affairs:detail", kwargs={"pk": r.pk})).status_code == 404


@pytest.mark.django_db
def test_an_officer_adds_a_holiday_in_admin_audited_and_the_expected_date_moves(admin_client, settings):
    from core.models import AuditLog

    settings.ID_ISSUANCE_WORKING_DAYS = 4
    assert card_issue_date(start=SUN) == THU
    r = admin_client.post(
        reverse("admin:registry_holiday_add"), {"date": "2026-12-08", "name_ar": "يوم التأسيس", "name_en": "Founding Day (test)"}
    )
    assert r.status_code == 302
    h = Holiday.objects.get(date=dt.date(2026, 12, 8))
    assert AuditLog.objects.filter(action="registry.holiday.added", object_id=str(h.pk)).count() == 1
    assert card_issue_date(start=SUN) == dt.date(2026, 12, 13)
    assert admin_client.get(reverse("admin:registry_holiday_changelist")).status_code == 200


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_tracking_page_in_chromium(browser, live_server, session_cookie_for, artifacts, transactional_db, lang):
    """The expected issue date on the tracking page at 360 px and on a desktop (screenshots
    artifacts/screenshots/idrenewal-expected-<lang>-<size>.png), no sideways scroll on the phone."""
    person = PersonFactory()
    Holiday.objects.create(date=dt.date(2026, 12, 8), name_ar="عطلة", name_en="A holiday")
    r = make_renewal(
        "PRINTING",
        person=person,
        decided_at=timezone.make_aware(dt.datetime(2026, 12, 6, 9)),
        delivery_method="PICKUP",
        office=OfficeFactory(),
        check_status="PASSED",
    )
    cookie = session_cookie_for(person)
    for size, viewport in (("phone", {"width": 360, "height": 780}), ("desktop", {"width": 1280, "height": 900})):
        ctx = browser.new_context(viewport=viewport, locale="ar-SA" if lang == "ar" else "en-US")
        ctx.add_cookies([cookie, {"name": "absher_lang", "value": lang, "url": live_server.url}])
        page = ctx.new_page()
        page.goto(f"{live_server.url}{reverse('civil_affairs:detail', kwargs={'pk': r.pk})}")
        cell = page.get_by_test_id("card-expected")
        # 14 working days from Sunday 6 December with Tuesday 8 a holiday: Thursday 24 + 1 → Sunday 27
        assert cell.get_attribute("data-date") == "2026-12-27"
        assert "2026/12/27" in cell.inner_text()
        if size == "phone":
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.get_by_test_id("tracking").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"idrenewal-expected-{lang}-{size}.png"), full_page=True)
        ctx.close()


@pytest.mark.django_db
def test_the_calendar_is_seeded_with_the_public_holidays_of_2026_to_2030(settings):
    """registry's data migration: Founding Day, National Day and the two Eids (Umm al-Qura)."""
    got = {h.date: h.name_en for h in Holiday.objects.filter(date__year=2027)}
    assert got[dt.date(2027, 2, 22)] == "Founding Day"
    assert got[dt.date(2027, 9, 23)] == "National Day"
    assert [d for d, n in sorted(got.items()) if n == "Eid al-Fitr holiday"] == [
        dt.date(2027, 3, 9) + dt.timedelta(days=i) for i in range(4)
    ]
    assert [d for d, n in sorted(got.items()) if n == "Eid al-Adha holiday"] == [
        dt.date(2027, 5, 15) + dt.timedelta(days=i) for i in range(4)
    ]
    assert len(got) == 10
    # Eid al-Fitr 1448 starts on Tuesday 9 March 2027: a card approved on Sunday 7 March waits for the holiday
    settings.ID_ISSUANCE_WORKING_DAYS = 3
    assert card_issue_date(start=dt.date(2027, 3, 7)) == dt.date(2027, 3, 15)  # Mon 8, (Tue-Fri Eid, Fri-Sat), Sun 14, Mon 15
