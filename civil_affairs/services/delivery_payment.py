"""Steps 5-6 of the renewal: the delivery or pickup choice, the one payment it builds, and the
payment hooks registered with payments.hooks in apps.py (on_paid, on_refunded, on_lapsed)."""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civil_affairs import selectors
from civil_affairs.flow import ID_RENEWAL
from civil_affairs.models import IdRenewal
from core.errors import ApplicationError
from core.services import audit_log_write
from core.transitions import enqueue, on_commit_robust
from notifications.services import notification_send
from payments.models import Payment
from payments.services import LineItem, payment_create, payment_refund
from registry.models import Fine, Person
from registry.selectors import fines_unpaid
from registry.services import FINE_SETTLES_TYPE

log = logging.getLogger(__name__)
S = IdRenewal.Status
PROCESS_TASK = "civil_affairs.tasks.renewal_process_task"


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError("VALIDATION_ERROR", _("Some fields are not valid."), {"fields": {field: [message]}})


def _line_items(*, renewal: IdRenewal, person: Person, address) -> list[LineItem]:
    """The delivery fee (postal delivery), the late fine and every unpaid civil-affairs fine
    (locked: the payment settles them)."""
    items = []
    if address is not None:
        items.append(
            LineItem("ID_DELIVERY_FEE", "DELIVERY", "رسوم توصيل الهوية الوطنية", "National ID card delivery", settings.ID_DELIVERY_FEE)
        )
    if renewal.late_fine > 0:
        items.append(
            LineItem("ID_LATE_FINE", "FINE", "غرامة تأخير تجديد الهوية الوطنية", "Late national ID renewal fine", renewal.late_fine)
        )
    for fine in fines_unpaid(person_ids=[person.pk], kinds=[Fine.Kind.CIVIL_AFFAIRS]).select_for_update():
        items.append(
            LineItem(
                "CIVIL_FINE",
                "FINE",
                f"مخالفة أحوال مدنية {fine.reference}: {fine.description_ar}"[:200],
                f"Civil affairs fine {fine.reference}: {fine.description_en}"[:200],
                fine.amount,
                settles_type=FINE_SETTLES_TYPE,
                settles_id=str(fine.pk),
            )
        )
    return items


def renewal_delivery_choose(*, person: Person, renewal_id: int, method: str, address_id=None, office_id=None) -> IdRenewal:
    """POST to a deliverable national address of the person (fee), or PICKUP at an active office.
    Builds the one payment: delivery fee, late fine, unpaid civil-affairs fines. With nothing to pay
    the request goes straight to IN_PROCESS."""
    renewal = selectors.renewal_get_for_person(person=person, renewal_id=renewal_id)
    address = office = None
    if method == IdRenewal.Delivery.POST:
        if address_id in (None, ""):
            raise _invalid("address_id", _("Choose an address."))
        address = selectors.address_get_for_person(person=person, address_id=address_id)
        if not address.deliverable:
            raise ApplicationError(
                "ADDRESS_NOT_DELIVERABLE",
                _("This address is outside postal delivery coverage. Choose another address or pick the card up at an office."),
            )
    elif method == IdRenewal.Delivery.PICKUP:
        if office_id in (None, ""):
            raise _invalid("office_id", _("Choose an office."))
        office = selectors.office_get(office_id=office_id)
    else:
        raise _invalid("method", _("Choose POST or PICKUP."))
    with transaction.atomic():
        renewal = ID_RENEWAL.lock(renewal.pk, select_related=("person",))
        ID_RENEWAL.check(renewal, "choose_delivery")  # before any bill is made
        items = _line_items(renewal=renewal, person=person, address=address)
        renewal.delivery_method = method
        renewal.address = address
        renewal.office = office
        fields = ["delivery_method", "address", "office"]
        if items:
            renewal.payment = payment_create(person=person, purpose="id_renewal", object_id=str(renewal.pk), items=items)
            ID_RENEWAL.apply(renewal, "choose_delivery", fields=[*fields, "payment"], method=method)
        else:
            ID_RENEWAL.apply(renewal, "nothing_to_pay", fields=fields, note="nothing to pay", method=method)
            enqueue(PROCESS_TASK, renewal.pk)
    return renewal


def renewal_refund_if_paid(*, payment_id: int, reason: str, officer=None) -> None:
    """Give the money back when the payment is (still) PAID; refunding twice changes nothing."""
    if Payment.objects.filter(pk=payment_id, status=Payment.Status.PAID).exists():
        payment_refund(payment_id=payment_id, reason=reason, officer=officer)


def renewal_on_paid(*, payment_id: int) -> None:
    """Payments calls this once, from a worker, after the payment is PAID: move the request to
    IN_PROCESS (payments' hand-over has already marked the fines it carried paid)."""
    payment = Payment.objects.prefetch_related("items").get(pk=payment_id)
    with transaction.atomic():
        renewal = (
            IdRenewal.objects.select_for_update(of=("self",))
            .select_related("person")
            .filter(pk=int(payment.object_id), payment_id=payment.pk)
            .first()
        )
        if renewal is None:
            log.warning("id_renewal payment %s has no matching renewal", payment_id)
            return
        if renewal.status == S.CANCELLED:
            # Cancelled while the bank was paying: give the money back.
            audit_log_write(action="id_renewal.paid_after_cancel", person=renewal.person, obj=renewal, payment=payment.reference)
            on_commit_robust(lambda: renewal_refund_if_paid(payment_id=payment.pk, reason="Request cancelled before the payment arrived"))
            return
        if not ID_RENEWAL.can(renewal, "pay"):
            return  # already moved on: nothing more to do
        fine_ids = [int(i.settles_id) for i in payment.items.all() if i.settles_type == FINE_SETTLES_TYPE and i.settles_id]
        ID_RENEWAL.apply(renewal, "pay", payment=payment.reference, fines_settled=fine_ids)
        enqueue(PROCESS_TASK, renewal.pk)


def renewal_on_payment_lapsed(*, payment_id: int) -> bool:
    """The bill of a request awaiting payment expired (or was withdrawn): the request is
    CANCELLED, so the person can start again. Idempotent. Returns True when it cancelled."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status not in (Payment.Status.EXPIRED, Payment.Status.FAILED):
        return False
    with transaction.atomic():
        renewal = IdRenewal.objects.select_for_update(of=("self",)).select_related("person").filter(payment_id=payment.pk).first()
        if renewal is None or not ID_RENEWAL.can(renewal, "lapse"):
            return False
        ID_RENEWAL.apply(renewal, "lapse", note=f"payment {payment.status.lower()}")
    return True


def renewal_on_refunded(*, payment_id: int) -> None:
    payment = Payment.objects.get(pk=payment_id)
    renewal = IdRenewal.objects.filter(pk=int(payment.object_id), payment_id=payment.pk).select_related("person").first()
    if renewal is None:
        return
    notification_send(
        person=renewal.person,
        kind="id_renewal",
        event_key=f"id_renewal:{renewal.pk}:refunded",
        title=gettext_lazy("Your ID renewal payment was refunded"),
        body=gettext_lazy("Renewal %(reference)s: SAR %(amount)s was refunded."),
        context={"reference": renewal.reference, "amount": str(payment.amount)},
        link=reverse("civil_affairs:detail", kwargs={"pk": renewal.pk}),
    )
