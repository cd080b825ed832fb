"""Garbage in every field of the main write endpoints gets a 4xx with the error shape, never a 500."""

import pytest

from portal.demo import seed

BAD = [None, [], {}, "x", -1, 10**30, "<script>", "١x"]


@pytest.mark.django_db
def test_garbage_never_gives_a_500(api_client_for, client):
    out = seed()
    from registry.models import Person

    head = Person.objects.get(id_number="2000000006")
    cit = Person.objects.get(id_number="1000000008")
    h, c = api_client_for(head), api_client_for(cit)
    dep = out["dependents"]["wife_ok"]["id"]
    statuses = []
    for v in BAD:
        statuses += [
            client.post("/api/v1/auth/nafath/", {"id_number": v}, content_type="application/json").status_code,
            h.get(f"/api/v1/passports/dependents/{dep}/iqama-renewal/quote/", {"months": v if v is not None else ""}).status_code,
            h.post("/api/v1/passports/iqama-renewals/", {"items": v}, format="json").status_code,
            h.post("/api/v1/passports/iqama-renewals/", {"items": [{"dependent_id": v, "months": v}]}, format="json").status_code,
            c.post("/api/v1/civil-affairs/id-renewals/1/delivery/", {"method": v, "address_id": v}, format="json").status_code,
            c.post("/api/v1/payments/1/card/", {"card_number": v}, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code,
            client.post(
                "/api/v1/payments/sadad/notifications/", {"bill_number": v}, content_type="application/json", HTTP_X_SADAD_SIGNATURE=str(v)
            ).status_code,
            c.post(
                "/api/v1/civil-affairs/id-renewals/",
                {"photo": v},
                format="multipart" if v is not None and not isinstance(v, (list, dict)) else "json",
            ).status_code,
            c.get("/api/v1/nafath-app/requests/", HTTP_AUTHORIZATION=f"Device {v}").status_code,
        ]
    bad = [(BAD[i // 9], i % 9, s) for i, s in enumerate(statuses) if not 400 <= s < 500]
    assert bad == []
    # Eastern Arabic digits are numbers, not garbage
    assert h.get(f"/api/v1/passports/dependents/{dep}/iqama-renewal/quote/", {"months": "١٢"}).status_code == 200
