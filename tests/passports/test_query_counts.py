"""The family page, the checks page and the quote read a constant number of queries whatever the
family's size (issue 12): one query per kind of record for the whole family, the checks evaluated
on the prefetched records. The count for a family of 1, 7 and 50 dependents must be the same."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import dates
from registry.models import MedicalExam, NationalAddress
from tests.factories import FamilyMemberFactory, InsuranceFactory, IqamaFactory, PassportFactory, ResidentFactory, TrafficViolationFactory

RELATIONS = ["WIFE", "SON", "DAUGHTER", "SON", "DAUGHTER", "MOTHER", "DOMESTIC_WORKER"]


def make_family(size: int):
    """A head with `size` dependents, each with an iqama, a passport, an insurance and a medical exam
    (some with an unpaid fine, so every check has something to read)."""
    today = dates.today()
    head = ResidentFactory(birth_date=dt.date(1975, 1, 1))
    IqamaFactory(person=head, expiry_date=today + dt.timedelta(days=300))
    NationalAddress.objects.create(
        person=head,
        building_number="1234",
        street="طريق الملك فهد",
        district="العليا",
        city="الرياض",
        postal_code="12211",
        additional_number="5678",
        short_address="RAAA1234",
    )
    members = []
    for i in range(size):
        relation = RELATIONS[i % len(RELATIONS)]
        born = dt.date(2012, 1, 1) if relation in ("SON", "DAUGHTER") else dt.date(1985, 1, 1)
        dep = ResidentFactory(birth_date=born, gender="F" if relation in ("WIFE", "DAUGHTER", "MOTHER") else "M")
        member = FamilyMemberFactory(head=head, person=dep, relation=relation, is_first_wife=(i == 0))
        IqamaFactory(person=dep, expiry_date=today + dt.timedelta(days=30 + i))
        PassportFactory(person=dep)
        InsuranceFactory(person=dep)
        MedicalExam.objects.create(person=dep, result=MedicalExam.Result.PASSED if i % 3 else MedicalExam.Result.REQUIRED)
        if i % 5 == 4:
            TrafficViolationFactory(person=dep)
        members.append(member)
    return head, members


def count_queries(client, url) -> int:
    client.get(url)  # warm: session, caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def selection(members) -> str:
    return "&".join(f"d={m.pk}" for m in members) + "&" + "&".join(f"m{m.pk}=12" for m in members)


@pytest.mark.django_db
def test_family_page_queries_do_not_grow_with_the_family(web_client_for):
    counts = {}
    for size in (1, 7, 50):
        head, _members = make_family(size)
        counts[size] = count_queries(web_client_for(head), "/passports/")
    assert counts[1] == counts[7] == counts[50], counts
    # the signed-in person, the members (with whether each has an open renewal), the family's facts
    # in one query, the head's latest requests, the unread count of the header: 5 (was 11)
    assert counts[1] <= 5, counts


@pytest.mark.django_db
def test_checks_page_queries_do_not_grow_with_the_selection(web_client_for):
    counts = {}
    for size in (1, 7, 50):
        head, members = make_family(size)
        counts[size] = count_queries(web_client_for(head), f"/passports/iqama-renewal/checks/?{selection(members)}")
    assert counts[1] == counts[7] == counts[50], counts
    assert counts[1] <= 4, counts  # the person, the selection, the facts, the unread count


@pytest.mark.django_db
def test_quote_queries_do_not_grow_with_the_selection(web_client_for):
    """The quote of every eligible dependent (those the checks pass), for families of 1, 7 and 50."""
    counts = {}
    for size in (1, 7, 50):
        head, members = make_family(size)
        MedicalExam.objects.filter(person__sponsorship__head=head).update(result=MedicalExam.Result.PASSED)
        chosen = [m for m in members if m.relation in ("WIFE", "DAUGHTER") and not m.person.fines.exists()]
        counts[size] = count_queries(web_client_for(head), f"/passports/iqama-renewal/quote/?{selection(chosen)}")
    assert counts[1] == counts[7] == counts[50], counts
