"""After payment: the automatic decision (approve when every rule holds, else refer to an
officer), the officer's approval or rejection (optimistic version), and the person's cancel."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civil_affairs import selectors
from civil_affairs.flow import ID_RENEWAL
from civil_affairs.models import IdRenewal
from civil_affairs.services.delivery_payment import renewal_refund_if_paid
from core import dates
from core.errors import ApplicationError
from payments.models import Payment
from registry.models import Fine, NationalIdCard, Person
from registry.selectors import fines_unpaid

S = IdRenewal.Status


def renewal_rules_hold(*, renewal: IdRenewal) -> list[str]:
    """What still stands in the way of an automatic approval (empty: approve)."""
    problems = []
    if not renewal.person.is_citizen:
        problems.append("NOT_A_CITIZEN")
    if renewal.check_status != IdRenewal.CheckStatus.PASSED:
        problems.append("PHOTO_NOT_PASSED")
    if renewal.face_decision != "MATCH":
        problems.append("FACE_MATCH_" + (renewal.face_decision or "NONE"))
    problems += [f for f in renewal.photo_flags or [] if f == "POSSIBLE_GLASSES"]  # an officer looks
    if renewal.payment_id and renewal.payment.status != Payment.Status.PAID:
        problems.append("NOT_PAID")
    if fines_unpaid(person_ids=[renewal.person_id], kinds=[Fine.Kind.CIVIL_AFFAIRS]).exists():
        problems.append("UNPAID_FINES")
    return problems


def renewal_process(*, renewal_id: int) -> str:
    """IN_PROCESS → APPROVED when every rule holds and the face matched, else UNDER_REVIEW."""
    with transaction.atomic():
        renewal = ID_RENEWAL.lock(renewal_id, select_related=("person",))
        if not ID_RENEWAL.can(renewal, "auto_approve"):
            return "skipped"
        problems = renewal_rules_hold(renewal=renewal)
        if problems:
            ID_RENEWAL.apply(renewal, "refer", note=",".join(problems), problems=problems)
            return S.UNDER_REVIEW
        _approve(renewal, "auto_approve", officer=None)
        return S.APPROVED


def _approve(renewal: IdRenewal, action: str, *, officer) -> None:
    """Issue the new card (the old one is REPLACED) and move the locked row to APPROVED."""
    ID_RENEWAL.check(renewal, action)
    today = dates.today()
    old = NationalIdCard.objects.select_for_update().filter(person=renewal.person, status=NationalIdCard.Status.ACTIVE).first()
    card_version = 1
    if old is not None:
        old.status = NationalIdCard.Status.REPLACED
        old.version += 1
        old.save(update_fields=["status", "version"])
        card_version = old.card_version + 1
    card = NationalIdCard.objects.create(
        person=renewal.person,
        card_version=card_version,
        issue_date=today,
        expiry_date=dates.add_months(today, 12 * settings.ID_CARD_VALIDITY_YEARS),
        status=NationalIdCard.Status.ACTIVE,
    )
    renewal.new_card = card
    renewal.decided_by = officer if getattr(officer, "pk", None) else None
    renewal.decided_at = timezone.now()
    ID_RENEWAL.apply(
        renewal,
        action,
        fields=["new_card", "decided_by", "decided_at"],
        officer=officer,
        card_id=card.pk,
        card_expiry=card.expiry_date.isoformat(),
        automatic=officer is None,
    )


def renewal_approve(*, renewal_id: int, officer, expected_version: int | None = None) -> IdRenewal:
    """An officer confirms a request under review (e.g. a REVIEW face match): issue the card."""
    with transaction.atomic():
        renewal = ID_RENEWAL.lock(renewal_id, select_related=("person",))
        if expected_version is not None:
            ID_RENEWAL.check_version(renewal, expected_version)
        _approve(renewal, "approve", officer=officer)
    return renewal


def renewal_reject(*, renewal_id: int, officer, reason: str, expected_version: int | None = None) -> IdRenewal:
    """An officer rejects a request in process or under review, with a reason the citizen sees;
    a paid request is refunded after commit."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "VALIDATION_ERROR",
            _("Give the reason for the rejection; the citizen will see it."),
            {"fields": {"reason": [_("This field is required.")]}},
        )

    def decide(renewal: IdRenewal):
        renewal.decision_reason = reason[:500]
        renewal.decided_by = officer if getattr(officer, "pk", None) else None
        renewal.decided_at = timezone.now()
        return ["decision_reason", "decided_by", "decided_at"]

    renewal = ID_RENEWAL.move(
        renewal_id,
        "reject",
        expected_version=expected_version,
        change=decide,
        select_related=("person",),
        officer=officer,
        note=reason,
        reason=reason,
        then=[lambda: _refund_after_reject(renewal_id, reason, officer)],
    )
    return renewal


def _refund_after_reject(renewal_id: int, reason: str, officer) -> None:
    payment_id = IdRenewal.objects.filter(pk=renewal_id).values_list("payment_id", flat=True).first()
    if payment_id:
        renewal_refund_if_paid(payment_id=payment_id, reason=reason, officer=officer)


def renewal_cancel(*, person: Person, renewal_id: int) -> IdRenewal:
    """The person gives up before paying."""
    renewal = selectors.renewal_get_for_person(person=person, renewal_id=renewal_id)

    def not_paid(renewal: IdRenewal):
        ID_RENEWAL.check(renewal, "cancel")
        if renewal.payment_id and renewal.payment.status == Payment.Status.PAID:
            raise ApplicationError("INVALID_STATE", _("This request is already paid."), {"status": renewal.status}, status=409)
        return []

    return ID_RENEWAL.move(renewal.pk, "cancel", change=not_paid, select_related=("person",), person=person)
