"""Officers browse and search the registry in Django admin by ID number and by name, in both languages."""

import pytest

from portal.demo import seed

pytestmark = pytest.mark.django_db

REGISTRY_CHANGELISTS = [
    "registry/person",
    "registry/nationaladdress",
    "registry/fine",
    "registry/nationalidcard",
    "registry/office",
    "registry/iqama",
    "registry/passport",
    "registry/familymember",
    "registry/healthinsurance",
    "registry/medicalexam",
]


@pytest.mark.parametrize("query", ["2012345670", "منى علي", "Mona Ali"])
def test_person_search_by_id_number_arabic_and_english_name(admin_client, query):
    seed()
    html = admin_client.get("/admin/registry/person/", {"q": query}).content.decode()
    assert "2012345670" in html
    assert "1000000008" not in html  # someone else is filtered out


@pytest.mark.parametrize("changelist", REGISTRY_CHANGELISTS)
def test_every_registry_list_opens_and_searches_by_name(admin_client, changelist):
    seed()
    assert admin_client.get(f"/admin/{changelist}/").status_code == 200
    assert admin_client.get(f"/admin/{changelist}/", {"q": "Ahmed"}).status_code == 200
    assert admin_client.get(f"/admin/{changelist}/", {"q": "أحمد"}).status_code == 200


def test_iqama_search_by_dependent_name_in_arabic(admin_client):
    seed()
    html = admin_client.get("/admin/registry/iqama/", {"q": "كريم"}).content.decode()
    assert "2000000121" in html and "2012345670" not in html


def test_registry_is_closed_to_people_without_staff_rights(client, django_user_model):
    seed()
    user = django_user_model.objects.create_user("clerk", password="x-pass-123456")
    client.force_login(user)
    resp = client.get("/admin/registry/person/")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
