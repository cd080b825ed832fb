"""Paying outstanding fines and violations: one payment for a selection, settled once paid."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from fines.selectors import outstanding_for_person
from payments.models import Payment, PaymentItem
from payments.services import LineItem, payment_create, payment_event_add
from registry.models import Fine, Person
from registry.services import FINE_SETTLES_TYPE

PURPOSE = "outstanding"
ITEM_CODE = {Fine.Kind.CIVIL_AFFAIRS: "CIVIL_FINE", Fine.Kind.TRAFFIC: "TRAFFIC_VIOLATION", Fine.Kind.VISA: "UNUSED_VISA_FINE"}


def fine_line_item(*, fine: Fine, label_ar: str, label_en: str, owner: Person | None = None) -> LineItem:
    """A payment line that settles one registry fine when the payment is paid."""
    who_ar = f" — {owner.name_ar}" if owner else ""
    who_en = f" — {owner.name_en}" if owner else ""
    return LineItem(
        code=ITEM_CODE.get(fine.kind, "FINE"),
        kind=PaymentItem.Code.FINE,
        description_ar=f"{label_ar} {fine.reference}{who_ar}"[:200],
        description_en=f"{label_en} {fine.reference}{who_en}"[:200],
        amount=fine.amount,
        settles_type=FINE_SETTLES_TYPE,
        settles_id=str(fine.pk),
    )


def outstanding_payment_create(*, person: Person, selection: list[tuple[str, int]]) -> Payment:
    """One payment for the chosen unpaid fines and violations of the person and the dependents
    they head. `selection` holds (type, id) pairs, type "civil_fine" or "traffic"; anything not
    in the person's outstanding list is 404 NOT_FOUND."""
    if not selection:
        raise ApplicationError("NOTHING_SELECTED", _("Choose at least one fine or violation to pay."), status=400)
    available = {(row.type, row.obj.pk): row for row in outstanding_for_person(person=person)}
    chosen = []
    for kind, pk in dict.fromkeys(selection):
        row = available.get((kind, int(pk)))
        if row is None:
            raise ApplicationError("NOT_FOUND", _("Not found."), details={"type": kind, "id": pk}, status=404)
        chosen.append(row)
    items = [fine_line_item(fine=row.obj, label_ar=row.label_ar, label_en=row.label_en, owner=row.owner) for row in chosen]
    with transaction.atomic():
        return payment_create(person=person, purpose=PURPOSE, object_id="", items=items)


def outstanding_on_paid(*, payment_id: int) -> None:
    """The on_paid hook of "outstanding"."""
    # Payments has already marked the fines the payment carries as paid (registry.fines_mark_paid,
    # run by the hand-over before this hook): nothing more to follow but the receipt.
    payment = Payment.objects.get(pk=payment_id)
    payment_event_add(payment=payment, action="settled", data={"purpose": PURPOSE})
