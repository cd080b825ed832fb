"""The unpaid fines and violations a person can pay: their own and their dependents'."""

from dataclasses import dataclass

from django.db.models import Q

from registry.models import FamilyMember, Fine, Person

# The API's item types (API.md) for each kind of registry fine.
TYPE_OF_KIND = {Fine.Kind.CIVIL_AFFAIRS: "civil_fine", Fine.Kind.TRAFFIC: "traffic", Fine.Kind.VISA: "visa_fine"}
KIND_OF_TYPE = {v: k for k, v in TYPE_OF_KIND.items()}
LABELS = {
    Fine.Kind.CIVIL_AFFAIRS: ("غرامة أحوال مدنية", "Civil affairs fine"),
    Fine.Kind.TRAFFIC: ("مخالفة مرورية", "Traffic violation"),
    Fine.Kind.VISA: ("غرامة عدم استخدام تأشيرة خروج وعودة", "Unused exit/re-entry visa fine"),
}


@dataclass(frozen=True)
class OutstandingRow:
    obj: Fine
    owner: Person
    is_self: bool

    @property
    def type(self) -> str:
        return TYPE_OF_KIND[self.obj.kind]

    @property
    def label_ar(self):
        return LABELS[self.obj.kind][0]

    @property
    def label_en(self):
        return LABELS[self.obj.kind][1]

    @property
    def key(self):
        return f"{self.type}:{self.obj.pk}"

    @property
    def text(self):
        return self.obj.description


def outstanding_for_person(*, person: Person) -> list[OutstandingRow]:
    """Unpaid fines (civil affairs first, then traffic) of the person and of the dependents they head."""
    dependent_ids = FamilyMember.objects.filter(head=person).values("person_id")
    fines = (
        Fine.objects.filter(Q(person=person) | Q(person_id__in=dependent_ids), paid_at__isnull=True, kind__in=list(TYPE_OF_KIND))
        .select_related("person")
        .order_by("issued_on", "id")
    )
    order = list(TYPE_OF_KIND)
    rows = [OutstandingRow(f, f.person, f.person_id == person.pk) for f in fines]
    return sorted(rows, key=lambda r: order.index(r.obj.kind))
