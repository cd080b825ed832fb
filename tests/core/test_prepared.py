"""core.prepared: a query compiled once per shape gives what the ORM gives, for any values; a build
that breaks the rules (reads something besides its arguments) fails loudly under verification."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test.utils import CaptureQueriesContext, override_settings

from core import prepared
from core.prepared import PreparedQuery, PreparedQueryError
from registry.models import FamilyMember, Iqama
from tests.factories import FamilyMemberFactory, IqamaFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def members_query(head_id):
    return (
        FamilyMember.objects.filter(head_id=head_id)
        .select_related("person", "person__iqama")
        .annotate(has_iqama=Exists(Iqama.objects.filter(person=OuterRef("person"))))
        .order_by("id")
    )


def family(size, *, iqamas=True):
    head = ResidentFactory()
    members = []
    for i in range(size):
        m = FamilyMemberFactory(head=head, relation="SON", is_first_wife=False)
        if iqamas and i % 2 == 0:
            IqamaFactory(person=m.person, expiry_date=dt.date(2030, 1, 1 + i))
        members.append(m)
    return head, members


def test_model_instances_as_the_orm_gives_them_for_each_head():
    prepared_members = PreparedQuery(members_query)
    for size in (1, 3, 0):
        head, members = family(size)
        got = prepared_members(head_id=head.pk)
        want = list(members_query(head.pk))
        assert [m.pk for m in got] == [m.pk for m in want] == [m.pk for m in members]
        for g, w in zip(got, want, strict=True):
            assert g.has_iqama == w.has_iqama
            assert g.person.name_en == w.person.name_en
            # select_related caches, a missing iqama cached as None: no query to read them
            with CaptureQueriesContext(connection) as ctx:
                iqama = getattr(g.person, "iqama", None)
            assert len(ctx.captured_queries) == 0
            assert (iqama.expiry_date if iqama else None) == (w.person.iqama.expiry_date if hasattr(w.person, "iqama") else None)
    assert len(prepared_members._compiled) == 1  # one shape: compiled once, run three times


def test_values_and_lists_one_text_per_length():
    by_ids = PreparedQuery(lambda ids: Iqama.objects.filter(person_id__in=ids).order_by("person_id").values("person_id", "expiry_date"))
    _head, members = family(6, iqamas=False)
    for m in members:
        IqamaFactory(person=m.person)
    ids = [m.person_id for m in members]
    for chosen in (ids[:2], ids[2:4], ids[1:6]):
        got = by_ids(ids=chosen)
        assert got == list(Iqama.objects.filter(person_id__in=chosen).order_by("person_id").values("person_id", "expiry_date"))
        assert all(isinstance(r["expiry_date"], dt.date) for r in got)  # through the field's converters
    assert sorted(shape[0][1] for shape in by_ids._compiled) == [2, 5]


def test_aggregate_rows():
    unread = PreparedQuery(
        lambda person_id: Iqama.objects.filter(person_id=person_id).order_by().values("person_id").annotate(n=Count("pk"))
    )
    person = ResidentFactory()
    assert unread(person_id=person.pk) == []
    IqamaFactory(person=person)
    assert unread(person_id=person.pk) == [{"person_id": person.pk, "n": 1}]


def test_a_build_that_reads_anything_else_fails_under_verification():
    state = {"expiry": dt.date(2030, 1, 1)}
    leaky = PreparedQuery(lambda person_id: Iqama.objects.filter(person_id=person_id, expiry_date__gte=state["expiry"]).values("pk"))
    person = ResidentFactory()
    IqamaFactory(person=person, expiry_date=dt.date(2031, 1, 1))
    assert len(leaky(person_id=person.pk)) == 1
    state["expiry"] = dt.date(2032, 1, 1)  # the frozen value would still find the iqama
    with override_settings(PREPARED_QUERIES_VERIFY=True), pytest.raises(PreparedQueryError, match="differs"):
        leaky(person_id=person.pk)
    with override_settings(PREPARED_QUERIES_VERIFY=False):
        assert len(leaky(person_id=person.pk)) == 1  # what verification is there to catch


def test_an_empty_list_matches_nothing_without_a_query():
    by_ids = PreparedQuery(lambda head_id, ids: FamilyMember.objects.filter(head_id=head_id, pk__in=ids))
    head, members = family(2)
    with CaptureQueriesContext(connection) as ctx:
        assert by_ids(head_id=head.pk, ids=[]) == list(FamilyMember.objects.filter(head_id=head.pk, pk__in=[])) == []
    assert len(ctx.captured_queries) == 0
    assert [m.pk for m in by_ids(head_id=head.pk, ids=[members[1].pk])] == [members[1].pk]


@pytest.mark.parametrize("value", ["12", 1.5, None, True, [1, "2"], [None]])
def test_arguments_are_ints_or_lists_of_ints(value):
    q = PreparedQuery(lambda person_id: Iqama.objects.filter(person_id=person_id).values("pk"))
    with pytest.raises(PreparedQueryError, match="must be an int"):
        q(person_id=value)


def test_an_argument_that_does_not_reach_the_parameters_is_refused():
    q = PreparedQuery(lambda person_id, unused: Iqama.objects.filter(person_id=person_id).values("pk"))
    with pytest.raises(PreparedQueryError, match="unused"):
        q(person_id=1, unused=5)


def test_shapes_past_the_bound_are_built_each_time(monkeypatch):
    monkeypatch.setattr(prepared, "MAX_SHAPES", 2)
    q = PreparedQuery(lambda ids: Iqama.objects.filter(person_id__in=ids).values("pk"))
    person = ResidentFactory()
    IqamaFactory(person=person)
    for n in range(1, 5):
        assert q(ids=[person.pk, *range(-n, -1)]) == [{"pk": person.iqama.pk}]
    assert len(q._compiled) == 2
