"""The sandbox border: an exit or a return recorded for a traveller (the signed-in person or a
dependent he heads). It sets Person.inside_kingdom and moves the visa (exit, return)."""

from django.db import transaction
from django.utils.translation import gettext as _

from core import dates
from core.errors import ApplicationError
from core.services import audit_log_write
from registry.models import Person
from visas.flow import VISA
from visas.models import BorderCrossing, Visa
from visas.selectors import traveller_get_for

S = Visa.Status


def _usable_for_exit(person_id: int, today) -> Visa | None:
    """An issued visa within its use-by day, or a multiple visa back home and still valid."""
    qs = Visa.objects.select_for_update().filter(person_id=person_id)
    v = qs.filter(status=S.ISSUED, use_by__gte=today, valid_until__gte=today).first()
    if v is None:
        v = qs.filter(status=S.RETURNED, type=Visa.Type.MULTIPLE, valid_until__gte=today).first()
    return v


def border_crossing_record(*, actor: Person, person_id, direction: str, port: str = "", ip: str = "") -> BorderCrossing:
    """Record an exit or a return. 404 for someone who is neither the actor nor his dependent;
    409 ALREADY_OUTSIDE / ALREADY_INSIDE; 409 NO_VALID_VISA for an exit without a usable visa;
    400 INVALID_DIRECTION."""
    direction = str(direction or "").upper()
    if direction not in BorderCrossing.Direction.values:
        raise ApplicationError("INVALID_DIRECTION", _("Choose exit or return."), status=400)
    traveller = traveller_get_for(person=actor, person_id=person_id)
    today = dates.today()
    with transaction.atomic():
        person = Person.objects.select_for_update(no_key=True).get(pk=traveller.pk)
        visa = None
        if direction == BorderCrossing.Direction.EXIT:
            if not person.inside_kingdom:
                raise ApplicationError("ALREADY_OUTSIDE", _("This traveller is already outside the Kingdom."), status=409)
            visa = _usable_for_exit(person.pk, today)
            if visa is None:
                raise ApplicationError(
                    "NO_VALID_VISA", _("This traveller has no valid exit/re-entry visa: the border refuses the exit."), status=409
                )
            person.inside_kingdom = False
            VISA.apply(visa, "exit", person=actor, note=port or "sandbox border", ip=ip)
        else:
            if person.inside_kingdom:
                raise ApplicationError("ALREADY_INSIDE", _("This traveller is already inside the Kingdom."), status=409)
            visa = Visa.objects.select_for_update().filter(person_id=person.pk, status=S.USED_EXIT).first()
            person.inside_kingdom = True
            if visa is not None:
                VISA.apply(visa, "return", person=actor, note=port or "sandbox border", ip=ip)
        person.version += 1
        person.save(update_fields=["inside_kingdom", "version"])
        crossing = BorderCrossing.objects.create(person=person, direction=direction, visa=visa, port=port[:100], recorded_by=actor)
        audit_log_write(
            action=f"border.{direction.lower()}", person=person, obj=crossing, ip=ip, visa=visa.pk if visa else None, recorded_by=actor.pk
        )
    return crossing
