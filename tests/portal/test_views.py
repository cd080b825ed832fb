import json

import pytest
from django.core.management import call_command

from portal.demo import seed


@pytest.fixture
def demo(db):
    return seed()


def _person(id_number):
    from registry.models import Person

    return Person.objects.get(id_number=id_number)


def test_seed_demo_is_idempotent_and_prints_json(db, capsys):
    from nafath.models import Device
    from registry.models import Person

    call_command("seed_demo", "--json")
    first = json.loads(capsys.readouterr().out)
    counts = (Person.objects.count(), Device.objects.count())
    call_command("seed_demo", "--json")
    second = json.loads(capsys.readouterr().out)
    assert first == second
    assert (Person.objects.count(), Device.objects.count()) == counts == (12, 5)
    assert set(first["people"]) == {"citizen_due", "citizen_expired", "citizen_not_due", "citizen_no_address", "head_of_family"}
    assert set(first["dependents"]) == {
        "wife_ok",
        "son_ok",
        "daughter_passport_expiring",
        "son_no_insurance",
        "wife2_medical_required",
        "son_expired",
        "worker_domestic",
    }
    for p in first["people"].values():
        assert set(p) == {"id_number", "device_token", "nafath_pin"}


def test_seed_demo_stores_device_tokens_and_pins_hashed(demo):
    from nafath.models import Device

    token = demo["people"]["citizen_due"]["device_token"]
    for d in Device.objects.all():
        assert token not in (d.token_digest, d.pin_hash)
        assert demo["people"]["citizen_due"]["nafath_pin"] not in d.pin_hash


def test_dashboard_needs_sign_in(client, db):
    resp = client.get("/dashboard/")
    assert resp.status_code == 302
    assert resp["Location"] == "/login/?next=%2Fdashboard%2F"


def test_citizen_due_sees_card_and_renewal_banner(demo, web_client_for):
    p = _person(demo["people"]["citizen_due"]["id_number"])
    html = web_client_for(p).get("/dashboard/").content.decode()
    assert p.name_en in html and p.id_number in html
    assert 'data-testid="renewal-banner"' in html
    assert "Your national ID expires in 60 days. You can renew it now." in html
    assert "banner-amber" in html


def test_citizen_not_due_sees_no_banner(demo, web_client_for):
    p = _person(demo["people"]["citizen_not_due"]["id_number"])
    html = web_client_for(p).get("/dashboard/").content.decode()
    assert 'data-testid="renewal-banner"' not in html
    assert ">400<" in html


def test_expired_citizen_sees_red_banner_in_arabic(demo, web_client_for):
    p = _person(demo["people"]["citizen_expired"]["id_number"])
    html = web_client_for(p, lang="ar").get("/dashboard/").content.decode()
    assert "banner-red" in html
    assert "انتهت صلاحية هويتك الوطنية" in html
    assert p.name_ar in html
    assert " هـ — " in html  # Hijri and Gregorian side by side


def test_head_of_family_sees_family_with_bounded_queries(demo, web_client_for, django_assert_max_num_queries):
    head = _person(demo["people"]["head_of_family"]["id_number"])
    c = web_client_for(head)
    with django_assert_max_num_queries(12):
        html = c.get("/dashboard/").content.decode()
    assert 'data-testid="family"' in html
    for dep in demo["dependents"].values():
        assert dep["iqama_number"] in html


def test_outsider_dashboard_shows_no_one_elses_family(demo, web_client_for):
    from tests.factories import IqamaFactory

    other_head = IqamaFactory().person  # another resident, heading no one
    html = web_client_for(other_head).get("/dashboard/").content.decode()
    assert other_head.id_number in html
    assert 'data-testid="family"' not in html
    for dep in demo["dependents"].values():
        assert dep["iqama_number"] not in html
