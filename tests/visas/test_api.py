"""The API of API.md "Exit/re-entry visas": shapes, statuses and codes; one application and one
payment for all items; cancel and extend; /me/ carries the person id; every endpoint 404 for an
outsider (and for the caller's own outsider-ish attempts), with nothing changed."""

import datetime as dt

import pytest

from core import dates
from core.models import AuditLog
from payments.models import Payment
from registry.models import Iqama, Person
from tests.visas.conftest import pay
from visas.models import Visa, VisaApplication, VisaEvent, VisaExtension

pytestmark = pytest.mark.django_db
API = "/api/v1/passports/visas/"


def snapshot():
    return {
        "visas": list(Visa.objects.order_by("pk").values_list("pk", "status", "version", "valid_until", "number")),
        "apps": VisaApplication.objects.count(),
        "events": VisaEvent.objects.count(),
        "extensions": list(VisaExtension.objects.values_list("pk", "status")),
        "payments": list(Payment.objects.order_by("pk").values_list("pk", "status")),
        "people": list(Person.objects.order_by("pk").values_list("pk", "inside_kingdom")),
        "audit": AuditLog.objects.count(),
    }


def test_me_carries_the_person_id(fam, api_client_for):
    head, _wife = fam
    r = api_client_for(head).get("/api/v1/me/")
    assert r.status_code == 200 and r.json()["id"] == head.pk and r.json()["id_number"] == head.id_number


def test_quote_shape(fam, api_client_for):
    head, wife = fam
    r = api_client_for(head).get(f"{API}quote/?person_id={wife.pk}&type=MULTIPLE&months=5")
    assert r.status_code == 200
    body = r.json()
    until = dates.add_months(dates.today(), 5)
    assert body["valid_until"] == {"gregorian": until.isoformat(), "hijri": dates.hijri_iso(until)}
    assert body["fees"] == {"items": [{"code": "VISA_FEE", "amount": "900.00"}], "total": "900.00"}
    assert (body["person_id"], body["type"], body["months"], body["eligible"]) == (wife.pk, "MULTIPLE", 5, True)
    assert set(body["checks"][0]) == {"code", "passed", "message", "fix", "fix_url"}


@pytest.mark.parametrize(
    "query,code,status",
    [
        ("type=SINGLE&months=13", "INVALID_PERIOD", 400),
        ("type=SINGLE&months=0", "INVALID_PERIOD", 400),
        ("type=SINGLE&months=x", "INVALID_PERIOD", 400),
        ("type=DOUBLE&months=2", "INVALID_TYPE", 400),
    ],
)
def test_quote_refusals(query, code, status, fam, api_client_for):
    head, wife = fam
    r = api_client_for(head).get(f"{API}quote/?person_id={wife.pk}&{query}")
    assert r.status_code == status and r.json()["error"]["code"] == code


def test_create_one_application_one_payment_for_all_items(fam, api_client_for):
    head, wife = fam
    c = api_client_for(head)
    r = c.post(
        API,
        {"items": [{"person_id": head.pk, "type": "SINGLE", "months": 2}, {"person_id": wife.pk, "type": "MULTIPLE", "months": 4}]},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "AWAITING_PAYMENT" and body["reference"].startswith("VSA-")
    assert [(i["person"]["id"], i["type"], i["months"], i["status"], i["number"]) for i in body["items"]] == [
        (head.pk, "SINGLE", 2, "AWAITING_PAYMENT", None),
        (wife.pk, "MULTIPLE", 4, "AWAITING_PAYMENT", None),
    ]
    pay_ = body["payment"]
    assert pay_["status"] == "PENDING" and pay_["amount"] == "900.00" and body["total"] == "900.00"
    assert [(i["code"], i["amount"]) for i in pay_["items"]] == [("VISA_FEE", "200.00"), ("VISA_FEE", "700.00")]
    # The bill's lines name the period in each language, the Arabic agreeing with the number.
    lines = Payment.objects.get().items.order_by("pk")
    assert [(x.description_en.rsplit("(", 1)[1], x.description_ar.rsplit("(", 1)[1]) for x in lines] == [
        ("2 months)", "شهران)"),
        ("4 months)", "4 أشهر)"),
    ]
    assert Payment.objects.count() == 1 and VisaApplication.objects.count() == 1 and Visa.objects.count() == 2
    assert AuditLog.objects.filter(action="visa.submitted", person=head).count() == 1


def test_the_same_idempotency_key_twice_makes_one_application(fam, api_client_for):
    head, _wife = fam
    c = api_client_for(head)
    data = {"items": [{"person_id": head.pk, "type": "SINGLE", "months": 2}]}
    assert c.post(API, data, format="json", HTTP_IDEMPOTENCY_KEY="k" * 20).status_code == 201
    r = c.post(API, data, format="json", HTTP_IDEMPOTENCY_KEY="k" * 20)
    assert r.status_code == 409 and r.json()["error"]["code"] == "ALREADY_SUBMITTED"
    assert VisaApplication.objects.count() == 1 and Payment.objects.count() == 1


@pytest.mark.parametrize(
    "items,code,status",
    [
        ([], "VALIDATION_ERROR", 400),
        ([{"person_id": "me", "type": "SINGLE", "months": 2}], "VALIDATION_ERROR", 400),
        ([{"person_id": "me", "type": "SINGLE", "months": 13}], "INVALID_PERIOD", 400),
        (
            [{"person_id": "me", "type": "SINGLE", "months": 2}, {"person_id": "me", "type": "MULTIPLE", "months": 3}],
            "DUPLICATE_TRAVELLER",
            400,
        ),
    ],
)
def test_create_refusals(items, code, status, fam, api_client_for):
    head, _wife = fam
    if items and code != "VALIDATION_ERROR":
        items = [dict(i, person_id=head.pk) for i in items]
    before = snapshot()
    r = api_client_for(head).post(API, {"items": items}, format="json")
    assert r.status_code == status, r.content
    assert r.json()["error"]["code"] == code
    assert snapshot() == before


def test_list_is_the_callers_and_his_dependents(fam, submit, api_client_for, outsider):
    head, wife = fam
    pay(submit([(head, "SINGLE", 2), (wife, "MULTIPLE", 3)]))
    body = api_client_for(head).get(API).json()
    assert sorted(v["person"]["id"] for v in body["visas"]) == sorted([head.pk, wife.pk])
    v = next(v for v in body["visas"] if v["person"]["id"] == wife.pk)
    assert set(v) >= {"id", "number", "person", "type", "months", "status", "issued_at", "use_by", "valid_until"}
    assert v["person"] == {"id": wife.pk, "id_number": wife.id_number, "name": {"ar": wife.name_ar, "en": wife.name_en}}
    assert v["status"] == "ISSUED" and len(v["number"]) == 10
    # The wife sees her own visa only (not her head's); an outsider sees none.
    assert [x["person"]["id"] for x in api_client_for(wife).get(API).json()["visas"]] == [wife.pk]
    assert api_client_for(outsider).get(API).json() == {"visas": []}


def test_detail_with_history(issued, fam, api_client_for):
    head, _wife = fam
    body = api_client_for(head).get(f"{API}{issued.pk}/").json()
    assert body["status"] == "ISSUED"
    assert [(h["action"], h["status"]) for h in body["history"]] == [("submit", "AWAITING_PAYMENT"), ("pay", "ISSUED")]
    assert body["actions"] == ["cancel"]
    today = dates.today()
    assert body["use_by"]["gregorian"] == dates.add_months(today, 2).isoformat()  # the period ends before 3 months
    assert body["valid_until"]["gregorian"] == dates.add_months(today, 2).isoformat()


def test_cancel_an_issued_visa_is_free_and_not_refunded(issued, fam, api_client_for):
    head, _wife = fam
    r = api_client_for(head).post(f"{API}{issued.pk}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "CANCELLED"
    issued.application.payment.refresh_from_db()
    assert issued.application.payment.status == "PAID"  # no refund
    r = api_client_for(head).post(f"{API}{issued.pk}/cancel/")
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_STATE"


def test_cancel_before_payment_withdraws_the_application_and_its_bill(fam, submit, api_client_for):
    head, wife = fam
    app = submit([(head, "SINGLE", 2), (wife, "SINGLE", 2)])
    first = app.visas.order_by("pk").first()
    r = api_client_for(head).post(f"{API}{first.pk}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "CANCELLED"
    assert list(app.visas.values_list("status", flat=True)) == ["CANCELLED", "CANCELLED"]
    assert Payment.objects.get(pk=app.payment_id).status == "FAILED"
    # The travellers are free again.
    assert (
        api_client_for(head).post(API, {"items": [{"person_id": wife.pk, "type": "SINGLE", "months": 2}]}, format="json").status_code == 201
    )


def test_a_used_visa_cannot_be_cancelled(issued, fam, api_client_for):
    from visas.services import border_crossing_record

    head, _wife = fam
    border_crossing_record(actor=head, person_id=head.pk, direction="EXIT")
    before = snapshot()
    r = api_client_for(head).post(f"{API}{issued.pk}/cancel/")
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_STATE"
    assert snapshot() == before


def test_extend_while_abroad_pays_per_month_and_moves_valid_until_on_payment(fam, submit, api_client_for):
    from visas.services import border_crossing_record

    head, wife = fam
    app = pay(submit([(wife, "MULTIPLE", 3)]))
    visa = app.visas.get()
    c = api_client_for(head)
    # Inside the Kingdom: refused.
    r = c.post(f"{API}{visa.pk}/extend/", {"months": 2}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_STATE"
    border_crossing_record(actor=head, person_id=wife.pk, direction="EXIT")
    before_until = Visa.objects.get(pk=visa.pk).valid_until
    r = c.post(f"{API}{visa.pk}/extend/", {"months": 2}, format="json")
    assert r.status_code == 200, r.content
    ext = r.json()["extensions"][0]
    assert ext["months"] == 2 and ext["fee"] == "400.00" and ext["status"] == "AWAITING_PAYMENT"
    assert [(i["code"], i["amount"]) for i in ext["payment"]["items"]] == [("VISA_EXTENSION_FEE", "400.00")]
    assert r.json()["valid_until"]["gregorian"] == before_until.isoformat()  # not before payment
    again = c.post(f"{API}{visa.pk}/extend/", {"months": 1}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "EXTENSION_PENDING"
    from payments.services import payment_fulfil, payment_mark_paid

    payment_mark_paid(payment_id=ext["payment"]["id"], method="CARD", card_last4="1111")
    payment_fulfil(payment_id=ext["payment"]["id"])
    body = c.get(f"{API}{visa.pk}/").json()
    assert body["valid_until"]["gregorian"] == dates.add_months(before_until, 2).isoformat()
    assert body["status"] == "USED_EXIT" and body["extension_fees"] == "400.00"
    assert body["history"][-1]["action"] == "extend"


def test_extension_never_past_the_iqama_expiry(fam, submit, api_client_for):
    from visas.services import border_crossing_record

    head, wife = fam
    app = pay(submit([(wife, "SINGLE", 2)]))
    visa = app.visas.get()
    border_crossing_record(actor=head, person_id=wife.pk, direction="EXIT")
    Iqama.objects.filter(person=wife).update(expiry_date=visa.valid_until + dt.timedelta(days=20))
    before = snapshot()
    r = api_client_for(head).post(f"{API}{visa.pk}/extend/", {"months": 1}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "IQAMA_VALIDITY"
    assert snapshot() == before
    r = api_client_for(head).post(f"{API}{visa.pk}/extend/", {"months": 13}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_PERIOD"


def test_an_extension_paid_after_the_return_is_refunded(fam, submit, api_client_for):
    from payments.services import payment_fulfil, payment_mark_paid
    from visas.services import border_crossing_record, visa_extend

    head, wife = fam
    visa = pay(submit([(wife, "SINGLE", 2)])).visas.get()
    border_crossing_record(actor=head, person_id=wife.pk, direction="EXIT")
    ext = visa_extend(person=head, visa_id=visa.pk, months=1)
    border_crossing_record(actor=head, person_id=wife.pk, direction="RETURN")
    until = Visa.objects.get(pk=visa.pk).valid_until
    payment_mark_paid(payment_id=ext.payment_id, method="CARD", card_last4="1111")
    payment_fulfil(payment_id=ext.payment_id)
    ext.refresh_from_db()
    assert ext.status == "REFUNDED" and Payment.objects.get(pk=ext.payment_id).status == "REFUNDED"
    assert Visa.objects.get(pk=visa.pk).valid_until == until


# --- outsiders: every endpoint is 404 and changes nothing --------------------------------------
@pytest.fixture
def outsider_calls(fam, submit, outsider):
    head, wife = fam
    app = pay(submit([(wife, "MULTIPLE", 3)]))
    visa = app.visas.get()
    Person.objects.filter(pk=wife.pk).update(inside_kingdom=False)
    Visa.objects.filter(pk=visa.pk).update(status="USED_EXIT")
    return head, wife, visa, app


@pytest.mark.parametrize(
    "method,path,data",
    [
        ("get", "{api}{visa}/", None),
        ("post", "{api}{visa}/cancel/", None),
        ("post", "{api}{visa}/extend/", {"months": 1}),
        ("get", "{api}applications/{app}/", None),
        ("get", "{api}quote/?person_id={wife}&type=SINGLE&months=2", None),
        ("get", "{api}quote/?person_id={head}&type=SINGLE&months=2", None),
        ("post", "{api}", {"items": [{"person_id": "{wife}", "type": "SINGLE", "months": 2}]}),
    ],
)
def test_outsider_gets_404_and_nothing_changes(method, path, data, outsider_calls, outsider, api_client_for):
    head, wife, visa, app = outsider_calls
    fmt = {"api": API, "visa": visa.pk, "app": app.pk, "wife": wife.pk, "head": head.pk}
    url = path.format(**fmt)
    if data and "items" in data:
        data = {"items": [{"person_id": wife.pk, "type": "SINGLE", "months": 2}]}
    before = snapshot()
    c = api_client_for(outsider)
    r = getattr(c, method)(url, data, format="json") if method == "post" else c.get(url)
    assert r.status_code == 404, (url, r.content)
    assert r.json()["error"]["code"] == "NOT_FOUND"
    assert snapshot() == before


@pytest.mark.parametrize("path", ["", "quote/?person_id=1&type=SINGLE&months=2", "1/", "1/cancel/", "1/extend/"])
def test_without_a_token_401(path, client):
    r = client.get(API + path) if "cancel" not in path and "extend" not in path else client.post(API + path)
    assert r.status_code == 401 and r.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_a_dependent_cannot_apply_for_his_head(fam, api_client_for):
    """The wife may issue her own visa but not her head's: he is not her dependent."""
    head, wife = fam
    r = api_client_for(wife).get(f"{API}quote/?person_id={head.pk}&type=SINGLE&months=2")
    assert r.status_code == 404
    assert api_client_for(wife).get(f"{API}quote/?person_id={wife.pk}&type=SINGLE&months=2").status_code == 200


def test_every_endpoint_is_in_the_openapi_schema(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    for p in [
        "/api/v1/passports/visas/",
        "/api/v1/passports/visas/quote/",
        "/api/v1/passports/visas/{id}/",
        "/api/v1/passports/visas/{id}/cancel/",
        "/api/v1/passports/visas/{id}/extend/",
        "/api/v1/passports/visas/applications/{id}/",
    ]:
        assert p in schema["paths"], p
    # The refusals are documented with the one error shape of API.md.
    for p, method, codes in [
        ("/api/v1/passports/visas/", "post", ("400", "404", "409")),
        ("/api/v1/passports/visas/quote/", "get", ("400", "404")),
        ("/api/v1/passports/visas/{id}/", "get", ("404",)),
        ("/api/v1/passports/visas/{id}/cancel/", "post", ("404", "409")),
        ("/api/v1/passports/visas/{id}/extend/", "post", ("400", "404", "409")),
    ]:
        responses = schema["paths"][p][method]["responses"]
        for code in codes:
            ref = responses[code]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            assert set(schema["components"]["schemas"][ref]["properties"]["error"]["required"]) == {"code", "message", "details"}, (p, code)
    me = schema["paths"]["/api/v1/me/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "id" in schema["components"]["schemas"][me]["properties"]
    visa = schema["components"]["schemas"]["Visa"]["properties"]
    assert {"id", "number", "person", "type", "months", "status", "issued_at", "use_by", "valid_until", "history"} <= set(visa)
    app = schema["components"]["schemas"]["VisaApplication"]["properties"]
    assert {"id", "reference", "status", "items", "payment"} <= set(app)


def test_a_dependent_cannot_see_or_cancel_the_heads_visa(issued, fam, api_client_for):
    _head, wife = fam
    before = snapshot()
    c = api_client_for(wife)
    assert c.get(f"{API}{issued.pk}/").status_code == 404
    assert c.post(f"{API}{issued.pk}/cancel/").status_code == 404
    assert c.get(f"{API}applications/{issued.application_id}/").status_code == 404
    assert snapshot() == before


def test_a_failing_notification_never_undoes_the_issue(fam, submit, monkeypatch, django_capture_on_commit_callbacks, caplog):
    import visas.flow

    head, _ = fam

    def broken(**kwargs):
        raise RuntimeError("inbox down")

    monkeypatch.setattr(visas.flow, "notification_send", broken)
    with django_capture_on_commit_callbacks(execute=True):
        app = pay(submit([(head, "SINGLE", 2)]))
    assert app.visas.get().status == "ISSUED" and Payment.objects.get(pk=app.payment_id).status == "PAID"
