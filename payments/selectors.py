"""Reads scoped to the person who asks: another person's payment is Http404 (pages: 404;
the API's exception handler: 404 NOT_FOUND)."""

from django.http import Http404

from payments.models import Payment
from registry.models import Person


def payment_list_for_person(*, person: Person):
    return Payment.objects.filter(person=person).prefetch_related("items").order_by("-created_at", "-id")


def payment_get_for_person(*, person: Person, payment_id) -> Payment:
    try:
        return Payment.objects.prefetch_related("items").select_related("person").get(pk=int(payment_id), person=person)
    except (Payment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def payment_get_by_bill_for_person(*, person: Person, bill_number: str) -> Payment:
    payment = Payment.objects.prefetch_related("items").filter(bill_number=(bill_number or "").strip(), person=person).first()
    if payment is None:
        raise Http404
    return payment
