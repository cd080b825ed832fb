"""Reads of the Nafath login, scoped to who asks."""

from django.db.models import QuerySet
from django.utils import timezone

from core.errors import NotFound
from nafath.models import NafathRequest
from registry.models import Person


def nafath_request_get(*, transaction_id) -> NafathRequest:
    """A request by its transaction id (the id is the secret of whoever started it)."""
    req = NafathRequest.objects.select_related("person").filter(transaction_id=transaction_id).first()
    if req is None:
        raise NotFound()
    return req


def nafath_request_list_waiting_for_person(*, person: Person) -> QuerySet[NafathRequest]:
    """The WAITING, not yet overdue requests a device of this person may answer."""
    return NafathRequest.objects.filter(person=person, status=NafathRequest.Status.WAITING, expires_at__gt=timezone.now()).order_by(
        "created_at"
    )
