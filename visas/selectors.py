"""Reads of exit/re-entry visas, scoped to the person who asks: himself and the dependents he heads.
Anyone else, or their visa, is NOT_FOUND (404), never 403."""

from django.db.models import Prefetch, Q

from core.errors import NotFound
from registry.models import FamilyMember, Person
from visas.models import BorderCrossing, Visa, VisaApplication, VisaEvent, VisaExtension


def travellers_for(*, person: Person) -> list[Person]:
    """Who the person may issue a visa for: himself first, then his dependents."""
    members = FamilyMember.objects.filter(head=person).select_related("person", "person__iqama").order_by("id")
    return [person, *(m.person for m in members)]


def traveller_get_for(*, person: Person, person_id) -> Person:
    try:
        pid = int(person_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if pid == person.pk:
        return person
    member = FamilyMember.objects.filter(head=person, person_id=pid).select_related("person").first()
    if member is None:
        raise NotFound()
    return member.person


def _scope(person: Person) -> Q:
    return Q(person=person) | Q(person__sponsorship__head=person) | Q(application__applicant=person)


def _visas():
    return Visa.objects.select_related("person", "application", "application__applicant", "application__payment", "fine").prefetch_related(
        Prefetch("events", queryset=VisaEvent.objects.order_by("at", "id")),
        Prefetch(
            "extensions",
            queryset=VisaExtension.objects.select_related("payment").prefetch_related("payment__items").order_by("-created_at", "-id"),
        ),
    )


def visa_list_for_person(*, person: Person):
    return _visas().filter(_scope(person)).distinct().order_by("-created_at", "-id")


def visa_get_for_person(*, person: Person, visa_id) -> Visa:
    try:
        return visa_list_for_person(person=person).get(pk=int(visa_id))
    except (Visa.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def application_get_for_person(*, person: Person, application_id) -> VisaApplication:
    try:
        return (
            VisaApplication.objects.select_related("payment", "applicant")
            .prefetch_related("payment__items", Prefetch("visas", queryset=_visas().order_by("id")))
            .get(pk=int(application_id), applicant=person)
        )
    except (VisaApplication.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def crossings_for_person(*, person: Person):
    ids = [p.pk for p in travellers_for(person=person)]
    return BorderCrossing.objects.filter(person_id__in=ids).select_related("person", "visa").order_by("-at", "-id")
