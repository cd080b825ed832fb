"""Dates in what a person reads outside the pages: notifications (inbox, SMS, email), histories
and the officers' admin write every date in both calendars, each language its own way."""

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import hijri_iso
from notifications.services import InLanguage, notification_send


@pytest.mark.django_db
def test_notification_dates_are_written_by_each_language_in_both_calendars(person):
    day = dt.date(2026, 11, 22)
    moment = timezone.make_aware(dt.datetime(2026, 11, 22, 9, 30), timezone.get_default_timezone())
    hijri = hijri_iso(day).replace("-", "/")
    n = notification_send(
        person=person,
        kind="test",
        event_key="test:dates",
        title=_("Your ID renewal was approved"),
        body=_("Renewal %(reference)s: your new card is valid until %(expiry)s."),
        context={"reference": "IDR-1", "expiry": day},
    )
    assert f"valid until {hijri} AH — 2026/11/22." in n.body_en
    assert f"{hijri} هـ — 2026/11/22" in n.body_ar and "AH" not in n.body_ar
    n2 = notification_send(
        person=person,
        kind="test",
        event_key="test:moment",
        title=_("Your ID renewal was approved"),
        body=_("Renewal %(reference)s: your new card is valid until %(expiry)s."),
        context={"reference": InLanguage(lambda: "EN" if "AH" in str(_("AH")) else "AR"), "expiry": moment},
    )
    assert f"{hijri} AH — 2026/11/22 09:30" in n2.body_en and f"{hijri} هـ — 2026/11/22 09:30" in n2.body_ar
    assert "Renewal EN" in n2.body_en and "AR" in n2.body_ar


@pytest.mark.django_db
def test_approved_id_renewal_tells_the_new_expiry_in_both_calendars(person):
    from civil_affairs.flow import renewal_notify
    from civil_affairs.models import IdRenewal
    from tests.factories import IdCardFactory

    card = IdCardFactory(person=person, expiry_date=dt.date(2036, 11, 22), status="ACTIVE")
    renewal = IdRenewal.objects.create(person=person, reference="IDR-T1", status="APPROVED", new_card=card)
    renewal_notify(renewal.pk, "APPROVED")
    n = person.notifications.get(event_key=f"id_renewal:{renewal.pk}:APPROVED")
    hijri = hijri_iso(card.expiry_date).replace("-", "/")
    assert f"{hijri} AH — 2036/11/22" in n.body_en and f"{hijri} هـ — 2036/11/22" in n.body_ar
