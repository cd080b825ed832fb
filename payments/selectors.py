"""Reads scoped to the person who asks: another person's payment is Http404 (pages: 404;
the API's exception handler: 404 NOT_FOUND)."""
from dataclasses import dataclass

from django.db.models import Q

from django.http import Http404
from core.models import Person
from payments.models import Payment


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


@dataclass(frozen=True)
class OutstandingRow:
    type: str  # "civil_fine" | "traffic"
    obj: object  # CivilAffairsFine | TrafficViolation
    owner: Person
    is_self: bool

    @property
    def label_ar(self):
        return "غرامة أحوال مدنية" if self.type == "civil_fine" else "مخالفة مرورية"

    @property
    def label_en(self):
        return "Civil affairs fine" if self.type == "civil_fine" else "Traffic violation"

    @property
    def key(self):
        return f"{self.type}:{self.obj.pk}"

    @property
    def text(self):
        return self.obj.reason if self.type == "civil_fine" else self.obj.description


def outstanding_for_person(*, person: Person) -> list[OutstandingRow]:
    """Unpaid civil-affairs fines and traffic violations of the person and of the dependents
    they head (passports.FamilyMember head → person)."""
    from civil_affairs.models import CivilAffairsFine
    from core.models import TrafficViolation
    from passports.models import FamilyMember

    dependent_ids = list(FamilyMember.objects.filter(head=person).values_list("person_id", flat=True))
    owners = Q(person=person) | Q(person_id__in=dependent_ids)
    rows = [OutstandingRow("civil_fine", f, f.person, f.person_id == person.pk)
            for f in CivilAffairsFine.objects.filter(owners, paid_at__isnull=True).select_related("person").order_by("issued_on", "id")]
    rows += [OutstandingRow("traffic", v, v.person, v.person_id == person.pk)
             for v in TrafficViolation.objects.filter(owners, paid_at__isnull=True).select_related("person").order_by("issued_on", "id")]
    return rows
