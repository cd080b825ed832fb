"""What the checks of the family iqama renewal read, for one head and any number of his dependents,
in one query whatever the family's size (passports.services.eligibility.assess reads only this)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, Subquery

from core.prepared import PreparedQuery
from registry.models import FamilyMember, HealthInsurance, Iqama, MedicalExam, NationalAddress, Passport, Person
from registry.selectors import fines_unpaid


@dataclass(frozen=True)
class Facts:
    """The records the checks read, for one head and any number of his dependents, read in one query
    over the family's people whatever the family's size (each person's row carries what the checks
    need of his passports, insurance, medical exams, unpaid fines and address); the dependents'
    iqamas come with the members (`select_related("person__iqama")`)."""

    iqamas: dict  # person id → Iqama (the dependents')
    head_iqama_expiry: dt.date | None
    passport_until: dict  # person id → the expiry of the current passport that runs longest
    insurance_until: dict  # person id → the latest policy's expiry
    exam_result: dict  # person id → the latest MedicalExam's result (no entry: no exam on file)
    unpaid: set  # person ids with an unpaid fine
    head_has_address: bool


def _facts_query(person_ids: list[int]):
    """The people's rows, each with what the checks read of his records (one subquery per kind)."""
    person = OuterRef("pk")
    return (
        Person.objects.filter(pk__in=person_ids)
        .order_by()
        .annotate(
            f_passport=Subquery(Passport.objects.filter(person=person, current=True).order_by("-expiry_date").values("expiry_date")[:1]),
            f_insurance=Subquery(
                HealthInsurance.objects.filter(person=person).order_by().values("person").annotate(m=Max("expiry_date")).values("m")[:1]
            ),
            f_exam=Subquery(MedicalExam.objects.filter(person=person).order_by("-id").values("result")[:1]),
            f_unpaid=Exists(fines_unpaid(person=person).order_by()),
            f_iqama=Subquery(Iqama.objects.filter(person=person).values("expiry_date")[:1]),
            f_address=Exists(NationalAddress.objects.filter(person=person)),
        )
        .values("pk", "f_passport", "f_insurance", "f_exam", "f_unpaid", "f_iqama", "f_address")
    )


_facts_rows = PreparedQuery(_facts_query)  # compiled once per family size (core.prepared)


def load_facts(*, head: Person, members: list[FamilyMember]) -> Facts:
    """One query for the whole family: the head and each dependent, with subqueries for what the
    checks read. Members whose iqama was not loaded with them are read in one more query."""
    person_ids = list(dict.fromkeys([*(m.person_id for m in members), head.pk]))
    rows = {r["pk"]: r for r in _facts_rows(person_ids=person_ids)}
    head_row = rows.get(head.pk, {})
    iqamas, missing = {}, []
    for m in members:
        cached = m.person._state.fields_cache  # select_related caches a missing iqama as None
        if "iqama" not in cached:
            missing.append(m.person_id)
        elif cached["iqama"] is not None:
            iqamas[m.person_id] = cached["iqama"]
    if missing:
        iqamas.update({i.person_id: i for i in Iqama.objects.filter(person_id__in=missing)})
    return Facts(
        iqamas=iqamas,
        head_iqama_expiry=head_row.get("f_iqama"),
        passport_until={pk: r["f_passport"] for pk, r in rows.items() if r["f_passport"] is not None},
        insurance_until={pk: r["f_insurance"] for pk, r in rows.items() if r["f_insurance"] is not None},
        exam_result={pk: r["f_exam"] for pk, r in rows.items() if r["f_exam"] is not None},
        unpaid={pk for pk, r in rows.items() if r["f_unpaid"]},
        head_has_address=bool(head_row.get("f_address")),
    )
