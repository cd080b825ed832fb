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


# --- officers' edits: recorded with who, when and what changed; guarded by the version -------------
def _change_form_data(admin_client, url):
    """The change form's current values, as a browser would post them back."""
    resp = admin_client.get(url)
    assert resp.status_code == 200
    form = resp.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value
    for fs in resp.context["inline_admin_formsets"]:
        mgmt = fs.formset.management_form
        for name in mgmt.fields:
            data[f"{fs.formset.prefix}-{name}"] = mgmt.initial.get(name, 0) if name != "TOTAL_FORMS" else 0
    return data


def test_an_officers_edit_is_audited_with_what_changed(admin_client, admin_user):
    from core.models import AuditLog
    from registry.models import Iqama

    seed()
    iqama = Iqama.objects.select_related("person").get(person__id_number="2000000121")
    url = f"/admin/registry/iqama/{iqama.pk}/change/"
    data = _change_form_data(admin_client, url)
    data["late_renewal_count"] = 2
    resp = admin_client.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    iqama.refresh_from_db()
    assert (iqama.late_renewal_count, iqama.version) == (2, 2)
    row = AuditLog.objects.get(action="registry.iqama.changed", object_id=str(iqama.pk))
    assert row.officer_id == admin_user.pk and row.person_id == iqama.person_id
    assert row.data["changed"] == {"late_renewal_count": {"from": 0, "to": 2}}


def test_a_stale_form_cannot_overwrite_another_officers_edit(admin_client):
    from core.models import AuditLog
    from registry.models import Iqama

    seed()
    iqama = Iqama.objects.get(person__id_number="2000000121")
    url = f"/admin/registry/iqama/{iqama.pk}/change/"
    stale = _change_form_data(admin_client, url)  # officer A opens the form (version 1)
    fresh = dict(stale, late_renewal_count=1)
    assert admin_client.post(url, fresh).status_code == 302  # officer B saves first
    stale["late_renewal_count"] = 2  # officer A saves on the old version
    resp = admin_client.post(url, stale)
    assert resp.status_code == 200  # the form comes back with the error
    errors = resp.context["adminform"].form.errors.as_data()["__all__"]
    assert [e.code for e in errors] == ["STALE_VERSION"]
    iqama.refresh_from_db()
    assert (iqama.late_renewal_count, iqama.version) == (1, 2)
    assert AuditLog.objects.filter(action="registry.iqama.changed").count() == 1
