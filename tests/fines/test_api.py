"""The fines service (fines/): a person's outstanding fines and violations and those of his
dependents, listed and paid in one bill, through the API (`/api/v1/payments/outstanding/`, API.md)
and the page; paying settles every fine the payment carries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.models import Payment
from payments.services import payment_mark_paid
from registry.models import FamilyMember, Fine
from tests.factories import PersonFactory


@pytest.fixture
def family(person):
    dependent = PersonFactory(name_en="Son", name_ar="ابن")
    FamilyMember.objects.create(head=person, person=dependent, relation="SON")
    own = Fine.objects.create(
        kind=Fine.Kind.TRAFFIC,
        person=person,
        reference="TV-1",
        description_ar="تجاوز السرعة",
        description_en="Speeding",
        amount=Decimal("300.00"),
        issued_on=dt.date(2026, 1, 5),
    )
    dep = Fine.objects.create(
        kind=Fine.Kind.CIVIL_AFFAIRS,
        person=dependent,
        reference="CF-1",
        description_ar="تأخر",
        description_en="Late renewal",
        amount=Decimal("100.00"),
        issued_on=dt.date(2026, 2, 5),
    )
    Fine.objects.create(
        kind=Fine.Kind.TRAFFIC,
        person=person,
        reference="TV-PAID",
        description_ar="x",
        description_en="x",
        amount=Decimal("50.00"),
        issued_on=dt.date(2026, 1, 1),
        paid_at=timezone.now(),
    )
    return {"dependent": dependent, "own": own, "dep": dep}


def test_outstanding_api_lists_self_and_dependents_and_pays_selection(
    person, outsider, family, api_client_for, django_capture_on_commit_callbacks
):
    c = api_client_for(person)
    body = c.get("/api/v1/payments/outstanding/").json()
    assert [(i["type"], i["reference"], i["amount"], i["self"]) for i in body["items"]] == [
        ("civil_fine", "CF-1", "100.00", False),
        ("traffic", "TV-1", "300.00", True),
    ]
    assert body["total"] == "400.00"
    # an outsider sees nothing and cannot pay these
    o = api_client_for(outsider)
    assert o.get("/api/v1/payments/outstanding/").json()["items"] == []
    r = o.post("/api/v1/payments/outstanding/", {"items": [{"type": "traffic", "id": family["own"].pk}]}, format="json")
    assert r.status_code == 404 and Payment.objects.count() == 0
    r = c.post(
        "/api/v1/payments/outstanding/",
        {"items": [{"type": "traffic", "id": family["own"].pk}, {"type": "civil_fine", "id": family["dep"].pk}]},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["amount"] == "400.00" and [i["code"] for i in r.json()["items"]] == ["TRAFFIC_VIOLATION", "CIVIL_FINE"]
    p = Payment.objects.get(pk=r.json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(payment_id=p.pk, method="CARD")
    family["own"].refresh_from_db()
    family["dep"].refresh_from_db()
    assert family["own"].paid_by == p.reference and family["own"].paid_at is not None
    assert family["dep"].paid_by == p.reference and family["dep"].paid_at is not None
    assert c.get("/api/v1/payments/outstanding/").json()["items"] == []


def test_outstanding_empty_selection_is_400(person, api_client_for):
    r = api_client_for(person).post("/api/v1/payments/outstanding/", {"items": []}, format="json")
    assert r.status_code == 400 and Payment.objects.count() == 0


def test_outstanding_page_lists_and_creates_payment(person, family, web_client_for):
    c = web_client_for(person)
    html = c.get(reverse("fines:outstanding")).content.decode()
    assert "TV-1" in html and "CF-1" in html and "TV-PAID" not in html and "400.00" in html
    r = c.post(reverse("fines:outstanding"), {"item": [f"traffic:{family['own'].pk}"]})
    p = Payment.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("payments:checkout", kwargs={"pk": p.pk})
    assert (p.amount, p.purpose) == (Decimal("300.00"), "outstanding")
