"""Reads of the registry, scoped to the person who asks."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from core import dates
from core.prepared import PreparedQuery
from registry.models import FamilyMember, Fine, Holiday, Iqama, NationalIdCard, Person


@dataclass
class DocumentStatus:
    kind: str  # "national_id" or "iqama"
    expiry: dt.date | None
    days_left: int | None
    in_renewal_window: bool
    expired: bool


# Every signed-in page's dashboard reads one of these: compiled once per process (core.prepared).
_active_card_expiry = PreparedQuery(
    lambda person_id: (
        NationalIdCard.objects.filter(person_id=person_id, status=NationalIdCard.Status.ACTIVE).order_by("pk").values("expiry_date")[:1]
    )
)
_iqama_expiry = PreparedQuery(lambda person_id: Iqama.objects.filter(person_id=person_id).order_by("pk").values("expiry_date")[:1])


def person_document_status(*, person: Person) -> DocumentStatus:
    """The person's own identity document: the national ID for citizens, the iqama for residents."""
    today = dates.today()
    if person.is_citizen:
        rows = _active_card_expiry(person_id=person.pk)
        window, kind = settings.ID_RENEWAL_WINDOW_DAYS, "national_id"
    else:
        rows = _iqama_expiry(person_id=person.pk)
        window, kind = settings.IQAMA_RENEWAL_WINDOW_DAYS, "iqama"
    expiry = rows[0]["expiry_date"] if rows else None
    days = (expiry - today).days if expiry else None
    return DocumentStatus(kind, expiry, days, days is not None and days <= window, days is not None and days < 0)


def family_list_for_head(*, head: Person):
    """The head's dependents and companions with the documents the dashboard shows."""
    today = dates.today()
    members = list(FamilyMember.objects.filter(head=head).select_related("person", "person__iqama").order_by("id"))
    for m in members:
        iqama = getattr(m.person, "iqama", None)
        m.days_left = (iqama.expiry_date - today).days if iqama else None
    return members


def fines_unpaid(*, person_ids=None, person=None, kinds=None):
    """The unpaid fines of these people (all kinds, or the kinds given), oldest first; or of one
    `person`, which may be an OuterRef (an Exists() over each row of an outer query)."""
    qs = Fine.objects.filter(paid_at__isnull=True)
    qs = qs.filter(person=person) if person is not None else qs.filter(person_id__in=person_ids)
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    return qs.order_by("issued_on", "id")


def holiday_dates(*, start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """The public holidays from `start` to `end` (both included), for core.dates' working-day count."""
    return frozenset(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True))
