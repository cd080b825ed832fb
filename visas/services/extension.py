"""Extending an exit/re-entry visa while the traveller is abroad: the request with its own
payment, and the payment's hand-overs (payments.hooks, in a worker). Every move goes through
visas.flow.VISA."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import dates
from core.errors import ApplicationError
from core.services import audit_log_write
from payments.models import PaymentItem
from payments.services import LineItem, payment_create, payment_refund
from registry.models import Iqama, Person
from visas.flow import VISA
from visas.models import VisaExtension
from visas.selectors import visa_get_for_person
from visas.services.fees import VISA_EXTENSION_FEE, extension_fee, parse_months
from visas.services.visas import EXTENSION_PURPOSE, months_in


# --- extension (abroad) ---------------------------------------------------------------------------
def visa_extend(*, person: Person, visa_id: int, months, ip: str = "") -> VisaExtension:
    """Extra months for a visa in use while the traveller is outside the Kingdom: a new payment of the
    type's per-month fee; valid_until moves when it is paid, never past the iqama's expiry.
    409 INVALID_STATE (not in use), NOT_OUTSIDE, IQAMA_VALIDITY, EXTENSION_PENDING; 400 INVALID_PERIOD."""
    visa = visa_get_for_person(person=person, visa_id=visa_id)
    months = parse_months(months)
    try:
        with transaction.atomic():
            locked = VISA.lock(visa.pk, select_related=("person",))
            VISA.check(locked, "extend")
            if locked.person.inside_kingdom:
                raise ApplicationError("NOT_OUTSIDE", _("A visa is extended only while the traveller is outside the Kingdom."), status=409)
            if VisaExtension.objects.filter(visa=locked, status=VisaExtension.Status.AWAITING_PAYMENT).exists():
                raise ApplicationError("EXTENSION_PENDING", _("An extension of this visa is already waiting for payment."), status=409)
            new_until = dates.add_months(locked.valid_until, months)
            iqama_expiry = Iqama.objects.filter(person_id=locked.person_id).values_list("expiry_date", flat=True).first()
            if iqama_expiry is None or new_until > iqama_expiry:
                raise ApplicationError(
                    "IQAMA_VALIDITY",
                    _("The visa cannot run past the iqama's expiry (%(expiry)s).") % {"expiry": dates.dual_date(iqama_expiry)},
                    {"iqama_expiry": iqama_expiry.isoformat() if iqama_expiry else None, "valid_until": new_until.isoformat()},
                    status=409,
                )
            fee = extension_fee(visa_type=locked.type, months=months)
            p = locked.person
            item = LineItem(
                code=VISA_EXTENSION_FEE,
                kind=PaymentItem.Code.FEE,
                description_ar=f"تمديد تأشيرة خروج وعودة {locked.number} — {p.name_ar} ({months_in('ar', months)})"[:200],
                description_en=f"Exit/re-entry visa extension {locked.number} — {p.name_en} ({months_in('en', months)})"[:200],
                amount=fee,
                settles_type="visas.visa",
                settles_id=str(locked.pk),
            )
            payment = payment_create(person=person, purpose=EXTENSION_PURPOSE, object_id=str(locked.pk), items=[item])
            ext = VisaExtension.objects.create(
                visa=locked,
                months=months,
                fee=fee,
                valid_until_before=locked.valid_until,
                valid_until_after=new_until,
                payment=payment,
                requested_by=person,
            )
            VISA.record(locked, "extension_requested", note=f"+{months} months, payment {payment.reference}", data={"extension": ext.pk})
            audit_log_write(action="visa.extension_requested", person=person, obj=locked, ip=ip, months=months, amount=str(fee))
    except IntegrityError:
        raise ApplicationError("EXTENSION_PENDING", _("An extension of this visa is already waiting for payment."), status=409) from None
    return ext


def extension_on_paid(*, payment_id: int) -> None:
    """The extension's payment arrived: valid_until moves (move "extend"). If the visa is no longer in
    use (the traveller returned meanwhile) the payment is refunded. Safe to run twice."""
    with transaction.atomic():
        ext = VisaExtension.objects.select_for_update().filter(payment_id=payment_id).first()
        if ext is None or ext.status != VisaExtension.Status.AWAITING_PAYMENT:
            return
        visa = VISA.lock(ext.visa_id)
        if VISA.can(visa, "extend"):
            visa.valid_until = ext.valid_until_after
            visa.extension_fees = visa.extension_fees + ext.fee
            VISA.apply(visa, "extend", fields=["valid_until", "extension_fees"], note=f"extended by {ext.months} months", months=ext.months)
            ext.status = VisaExtension.Status.APPLIED
        else:
            payment_refund(payment_id=payment_id, reason=f"Visa {visa.number} no longer in use: extension not applied")
            ext.status = VisaExtension.Status.REFUNDED
        ext.save(update_fields=["status"])


def extension_on_payment_lapsed(*, payment_id: int) -> bool:
    return (
        VisaExtension.objects.filter(payment_id=payment_id, status=VisaExtension.Status.AWAITING_PAYMENT).update(
            status=VisaExtension.Status.CLOSED
        )
        == 1
    )
