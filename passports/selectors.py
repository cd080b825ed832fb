"""Reads of the family iqama renewal, always scoped to the head of family who asks.
Another head's dependent or request is NOT_FOUND (404), never 403."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Prefetch, Subquery

from core import dates
from core.errors import NotFound
from core.prepared import PreparedQuery
from passports.flow import IQAMA_RENEWAL
from passports.models import IqamaRenewal, IqamaRenewalItem
from passports.services.eligibility import Assessment, allowed_periods, assess, load_facts
from registry.models import FamilyMember, MedicalExam, Passport, Person

# The hot pages' queries, compiled once per process (core.prepared).
_members_by_id = PreparedQuery(
    lambda head_id, ids: FamilyMember.objects.filter(head_id=head_id, pk__in=ids).select_related("person", "person__iqama")
)
_members_with_open_renewal = PreparedQuery(
    lambda head_id: (
        FamilyMember.objects.filter(head_id=head_id)
        .select_related("person", "person__iqama")
        .annotate(has_open_renewal=Exists(IqamaRenewalItem.objects.filter(member=OuterRef("pk"), is_open=True)))
        .order_by("id")
    )
)
RENEWAL_SUMMARIES = 10  # the latest requests the family page lists
_renewal_summaries = PreparedQuery(
    lambda head_id: (
        IqamaRenewal.objects.filter(head_id=head_id)
        .only("id", "reference", "status", "created_at", "head_id")
        .order_by("-created_at", "-id")[:RENEWAL_SUMMARIES]
    )
)


def dependent_list_for_head(*, head: Person):
    """The head's dependents with their iqama, and `passport_expiry` (the current passport) and
    `insurance_expiry` (the latest policy) annotated."""
    current_passport = Passport.objects.filter(person=OuterRef("person"), current=True).order_by("-expiry_date")
    return (
        FamilyMember.objects.filter(head=head)
        .select_related("person", "person__iqama")
        .annotate(
            insurance_expiry=Max("person__insurances__expiry_date"), passport_expiry=Subquery(current_passport.values("expiry_date")[:1])
        )
        .order_by("id")
    )


def dependents_get_for_head(*, head: Person, dependent_ids) -> list[FamilyMember]:
    """The head's dependents with these ids, in the order asked and each once, in one query (the
    checks and the quote of a selection of any size). Any id that is not one of his dependents is
    NOT_FOUND. Each member's `head` is the head already loaded: assessing them asks nothing more."""
    try:
        ids = list(dict.fromkeys(int(i) for i in dependent_ids))
    except (ValueError, TypeError):
        raise NotFound() from None
    # The plain members (load_facts reads their passports, insurance and the rest in one query).
    found = {m.pk: m for m in _members_by_id(head_id=head.pk, ids=ids)}
    if len(found) != len(ids):
        raise NotFound()
    for m in found.values():
        m.head = head
    return [found[i] for i in ids]


def dependent_get_for_head(*, head: Person, dependent_id) -> FamilyMember:
    try:
        return dependent_list_for_head(head=head).get(pk=int(dependent_id))
    except (FamilyMember.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@dataclass
class FamilyRow:
    member: FamilyMember
    iqama_expiry: object
    passport_expiry: object
    insurance_expiry: object
    badge: str  # IN_PROGRESS, BLOCKED, EXPIRED, DUE, VALID
    assessment: Assessment | None
    periods: list[int]


def family_overview_for_head(*, head: Person) -> list[FamilyRow]:
    """The family page: each dependent with dates and what is due or blocked (assessed on the shortest
    allowed period)."""
    today = dates.today()
    # The plain list (no per-row passport and insurance aggregates): load_facts reads those once.
    # Whether each dependent has an open renewal comes with the members (one query).
    members = _members_with_open_renewal(head_id=head.pk)
    for m in members:
        m.head = head  # the signed-in head: no query per dependent
    facts = load_facts(head=head, members=members)
    for m in members:
        m.passport_expiry = facts.passport_until.get(m.person_id)
        m.insurance_expiry = facts.insurance_until.get(m.person_id)
    rows = []
    for m in members:
        iqama = getattr(m.person, "iqama", None)
        periods = allowed_periods(m)
        a = assess(member=m, months=periods[0], facts=facts) if iqama else None
        if m.has_open_renewal:
            badge = "IN_PROGRESS"
        elif a is None or not a.eligible:
            badge = "BLOCKED"
        elif iqama.expiry_date < today:
            badge = "EXPIRED"
        elif (iqama.expiry_date - today).days <= settings.IQAMA_RENEWAL_WINDOW_DAYS:
            badge = "DUE"
        else:
            badge = "VALID"
        rows.append(FamilyRow(m, iqama.expiry_date if iqama else None, m.passport_expiry, m.insurance_expiry, badge, a, periods))
    return rows


def _renewals():
    return IqamaRenewal.objects.select_related("payment", "head").prefetch_related(
        Prefetch("items", queryset=IqamaRenewalItem.objects.select_related("member__person", "member__person__iqama")),
        "events",
        "payment__items",
    )


def renewal_list_for_head(*, head: Person):
    return _renewals().filter(head=head)


def renewal_summaries_for_head(*, head: Person) -> list[IqamaRenewal]:
    """The head's latest RENEWAL_SUMMARIES requests as the family page lists them (reference, date,
    status): one query, none of the items, events and payment the detail page reads."""
    return _renewal_summaries(head_id=head.pk)


def renewal_get_for_head(*, head: Person, renewal_id) -> IqamaRenewal:
    try:
        return _renewals().get(head=head, pk=int(renewal_id))
    except (IqamaRenewal.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def renewal_for_payment(*, payment_id: int) -> IqamaRenewal | None:
    return IqamaRenewal.objects.filter(payment_id=payment_id).first()


def renewal_review_queue():
    """What officers decide: every request the table lets an officer approve or reject."""
    return _renewals().filter(status__in=IQAMA_RENEWAL.statuses_allowing("approve")).order_by("updated_at")


def dependents_with_latest_exam(*, head: Person) -> list[FamilyMember]:
    """The head's dependents, each with `latest_exam` (the MedicalExam that decides the check, or None):
    two queries whatever the family's size."""
    members = list(FamilyMember.objects.filter(head=head).select_related("person").order_by("id"))
    latest = {}
    for exam in MedicalExam.objects.filter(person_id__in=[m.person_id for m in members]).order_by("person_id", "-id"):
        latest.setdefault(exam.person_id, exam)
    for m in members:
        m.latest_exam = latest.get(m.person_id)
    return members
