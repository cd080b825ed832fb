"""Reads for the ID renewal flow, always scoped to the person who asks."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from civil_affairs.models import IdRenewal
from core import dates
from core.errors import NotFound
from registry.models import Fine, NationalAddress, NationalIdCard, Office, Person
from registry.selectors import fines_unpaid


@dataclass
class Reason:
    code: str
    message: str


@dataclass
class Eligibility:
    eligible: bool
    reasons: list[Reason] = field(default_factory=list)
    card: NationalIdCard | None = None
    id_expiry: object = None
    days_to_expiry: int | None = None
    late_fine: Decimal = Decimal("0.00")
    unpaid_fines: list = field(default_factory=list)
    open_renewal: IdRenewal | None = None


def renewal_eligibility(*, person: Person) -> Eligibility:
    """Every reason the renewal is closed, and the late fine when the ID has already expired.
    Unpaid civil-affairs fines do not close it: they are added to the one payment."""
    reasons: list[Reason] = []
    card = NationalIdCard.objects.filter(person=person, status=NationalIdCard.Status.ACTIVE).first()
    expiry = card.expiry_date if card else None
    days = (expiry - dates.today()).days if expiry else None
    late_fine = Decimal("0.00")
    if not person.is_citizen:
        reasons.append(Reason("NOT_A_CITIZEN", _("The national ID is for Saudi citizens. Residents renew their iqama instead.")))
    if card is None:
        reasons.append(Reason("NO_ID_CARD", _("No national ID card is on file for you. Visit a civil affairs office.")))
    elif days > settings.ID_RENEWAL_WINDOW_DAYS:
        reasons.append(
            Reason(
                "NOT_IN_RENEWAL_WINDOW",
                _("Your ID can be renewed from %(days)d days before it expires; come back on %(date)s.")
                % {
                    "days": settings.ID_RENEWAL_WINDOW_DAYS,
                    "date": dates.dual_date(expiry - dt.timedelta(days=settings.ID_RENEWAL_WINDOW_DAYS)),
                },
            )
        )
    elif days < 0:
        late_fine = settings.ID_LATE_FINE.quantize(Decimal("0.01"))
    open_renewal = IdRenewal.objects.filter(person=person, status__in=IdRenewal.OPEN_STATUSES).first()
    if open_renewal is not None:
        reasons.append(
            Reason(
                "RENEWAL_IN_PROGRESS",
                _("You already have a renewal in progress (%(reference)s). Follow it instead of starting a new one.")
                % {"reference": open_renewal.reference},
            )
        )
    fines = list(fines_unpaid(person_ids=[person.pk], kinds=[Fine.Kind.CIVIL_AFFAIRS]))
    return Eligibility(
        eligible=not reasons,
        reasons=reasons,
        card=card,
        id_expiry=expiry,
        days_to_expiry=days,
        late_fine=late_fine,
        unpaid_fines=fines,
        open_renewal=open_renewal,
    )


def renewal_list_for_person(*, person: Person):
    return IdRenewal.objects.filter(person=person).order_by("-created_at", "-id")


def renewal_get_for_person(*, person: Person, renewal_id) -> IdRenewal:
    """The person's own renewal; anything else (another person's, unknown, malformed) is 404."""
    try:
        pk = int(renewal_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    renewal = (
        IdRenewal.objects.filter(pk=pk, person=person)
        .select_related("payment", "address", "office", "new_card")
        .prefetch_related("events", "payment__items")
        .first()
    )
    if renewal is None:
        raise NotFound() from None
    return renewal


def address_list_for_person(*, person: Person):
    return NationalAddress.objects.filter(person=person).order_by("-is_primary", "id")


def address_get_for_person(*, person: Person, address_id) -> NationalAddress:
    try:
        pk = int(address_id)
    except (TypeError, ValueError):
        raise NotFound(_("This address is not one of yours.")) from None
    addr = NationalAddress.objects.filter(pk=pk, person=person).first()
    if addr is None:
        raise NotFound(_("This address is not one of yours.")) from None
    return addr


def office_list():
    return Office.objects.filter(active=True).order_by("city_en", "name_en")


def office_get(*, office_id) -> Office:
    try:
        pk = int(office_id)
    except (TypeError, ValueError):
        raise NotFound(_("This office does not exist.")) from None
    office = Office.objects.filter(pk=pk, active=True).first()
    if office is None:
        raise NotFound(_("This office does not exist.")) from None
    return office


def renewal_review_queue():
    """Officers' queue: requests waiting for a human decision, oldest first."""
    return IdRenewal.objects.filter(status=IdRenewal.Status.UNDER_REVIEW).select_related("person").order_by("status_changed_at")
