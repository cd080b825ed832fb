"""The new card's journey after approval: APPROVED → PRINTING → OUT_FOR_DELIVERY |
READY_FOR_PICKUP → DELIVERED | COLLECTED, by an officer's button or the periodic progress."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civil_affairs.flow import ID_RENEWAL, card_next_action
from civil_affairs.models import IdRenewal
from core import dates
from core.errors import ApplicationError
from core.transitions import invalid_state_error
from registry.selectors import holiday_dates

# Statuses in which the card is still to be issued, counted from today (not approved yet) or
# from the approval (approved, printing).
_BEFORE_APPROVAL = ("PHOTO_CHECK", "AWAITING_DELIVERY_CHOICE", "AWAITING_PAYMENT", "IN_PROCESS", "UNDER_REVIEW")
_ISSUING = ("APPROVED", "PRINTING")


def renewal_card_advance(*, renewal_id: int, officer=None, expected_status: str | None = None) -> IdRenewal:
    """Move the card to its next stage. `expected_status` is the stage the caller saw (the
    officer's page, the periodic run): a request that has moved on meanwhile is refused."""
    with transaction.atomic():
        renewal = ID_RENEWAL.lock(renewal_id, select_related=("person",))
        if expected_status and renewal.status != expected_status:
            raise ApplicationError("INVALID_STATE", _("This request has already moved on."), {"status": renewal.status}, status=409)
        action = card_next_action(renewal)
        if action is None:
            raise invalid_state_error(renewal, "advance", renewal.get_status_display())
        ID_RENEWAL.apply(renewal, action, officer=officer)
    return renewal


def renewal_card_progress() -> int:
    """Periodic: move cards on after each stage's delay (settings). Pickup waits for an officer."""
    now = timezone.now()
    moved = 0
    for status, delay in settings.ID_CARD_STAGE_DELAYS_SECONDS.items():
        cutoff = now - dt.timedelta(seconds=delay)
        for pk in IdRenewal.objects.filter(status=status, status_changed_at__lte=cutoff).values_list("pk", flat=True):
            try:
                renewal_card_advance(renewal_id=pk, expected_status=status)
                moved += 1
            except ApplicationError:
                continue
    return moved


def card_issue_date(*, start: dt.date, working_days: int | None = None) -> dt.date:
    """`start` plus ID_ISSUANCE_WORKING_DAYS working days: Sunday to Thursday (WEEKEND_WEEKDAYS
    are off) less the public holidays of registry.Holiday. Reads the holidays it needs (one query
    per span; a long run of holidays widens the span)."""
    n = settings.ID_ISSUANCE_WORKING_DAYS if working_days is None else working_days
    weekend = settings.WEEKEND_WEEKDAYS
    span = dt.timedelta(days=n * 2 + 14)
    while True:
        end = start + span
        found = dates.add_working_days(start, n, weekend=weekend, holidays=holiday_dates(start=start, end=end))
        if found <= end:
            return found
        span *= 2


def renewal_card_expected_date(renewal: IdRenewal) -> dt.date | None:
    """When the new card should be issued: ID_ISSUANCE_WORKING_DAYS working days after the
    approval, or after today while the request waits for its approval. None once the card has
    been issued or the request has ended without one."""
    if renewal.status in _ISSUING:
        decided = renewal.decided_at or renewal.status_changed_at
        return card_issue_date(start=timezone.localtime(decided).date())
    if renewal.status in _BEFORE_APPROVAL:
        return card_issue_date(start=dates.today())
    return None
