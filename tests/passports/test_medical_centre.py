"""The sandbox medical centre (MEDICAL_EXAM's fix link): clearly labelled, only while sandboxes are
enabled, records a result for a dependent of the signed-in head only (another head's dependent is
404 and nothing is written), and the check passes with it."""

import pytest
from django.urls import reverse
from django.utils import translation

from core.errors import ApplicationError, NotFound
from core.models import AuditLog
from passports.services.eligibility import assess
from passports.services.medical import medical_exam_record
from registry.models import MedicalExam
from tests.factories import AddressFactory, FamilyMemberFactory, InsuranceFactory, IqamaFactory, PassportFactory, ResidentFactory

pytestmark = pytest.mark.django_db
URL = reverse("passports:medical_centre")


@pytest.fixture
def fam():
    head = ResidentFactory(name_en="Head")
    IqamaFactory(person=head)
    AddressFactory(person=head)
    wife = FamilyMemberFactory(head=head, relation="WIFE")
    IqamaFactory(person=wife.person)
    PassportFactory(person=wife.person)
    InsuranceFactory(person=wife.person)
    MedicalExam.objects.create(person=wife.person, result=MedicalExam.Result.REQUIRED)
    FamilyMemberFactory(head=head, relation="SON")  # no exam on record: listed as none required
    return head, wife


def exam_check(member):
    with translation.override("en"):
        return next(c for c in assess(member=member, months=6).checks if c.code == "MEDICAL_EXAM")


def test_the_fix_link_leads_to_the_sandbox_for_that_dependent(fam, settings):
    _head, wife = fam
    settings.SANDBOXES_ENABLED = True
    c = exam_check(wife)
    assert c.passed is False and c.fix_url == f"{URL}?dependent={wife.pk}"
    settings.SANDBOXES_ENABLED = False
    assert exam_check(wife).fix_url == ""


def test_the_page_is_labelled_and_recording_a_pass_clears_the_check(fam, web_client_for, settings):
    head, wife = fam
    settings.SANDBOXES_ENABLED = True
    c = web_client_for(head)
    page = c.get(f"{URL}?dependent={wife.pk}").content.decode()
    assert 'data-testid="sandbox-banner"' in page and "Sandbox: medical centre" in page
    assert f'data-testid="exam-{wife.pk}" data-result="REQUIRED"' in page
    assert 'data-result="">' in page and "None required" in page
    r = c.post(f"{URL}?dependent={wife.pk}", {"dependent": wife.pk, "result": "PASSED", "centre": "Sandbox clinic"})
    assert r.status_code == 302 and r.url == f"{URL}?dependent={wife.pk}"
    latest = MedicalExam.objects.filter(person=wife.person).order_by("-id").first()
    assert (latest.result, latest.centre) == ("PASSED", "Sandbox clinic")
    assert AuditLog.objects.filter(action="medical_exam.recorded", person=wife.person).count() == 1
    assert exam_check(wife).passed is True
    assert f'data-testid="exam-{wife.pk}" data-result="PASSED"' in c.get(URL).content.decode()
    # a failed result fails the check again
    c.post(URL, {"dependent": wife.pk, "result": "FAILED", "centre": "Sandbox clinic"})
    assert exam_check(wife).passed is False


def test_the_page_is_in_arabic(fam, web_client_for, settings):
    head, _wife = fam
    settings.SANDBOXES_ENABLED = True
    page = web_client_for(head, lang="ar").get(URL).content.decode()
    assert "بيئة تجريبية: مركز طبي" in page


def test_a_sandbox_off_is_404_and_writes_nothing(fam, web_client_for, settings):
    head, wife = fam
    settings.SANDBOXES_ENABLED = False
    c = web_client_for(head)
    assert c.get(URL).status_code == 404
    assert c.post(URL, {"dependent": wife.pk, "result": "PASSED", "centre": "X"}).status_code == 404
    assert list(MedicalExam.objects.filter(person=wife.person).values_list("result", flat=True)) == ["REQUIRED"]


def test_outsider_cannot_see_or_record_another_heads_dependent(fam, web_client_for, outsider, settings):
    _head, wife = fam
    settings.SANDBOXES_ENABLED = True
    o = web_client_for(outsider)
    assert o.get(f"{URL}?dependent={wife.pk}").status_code == 404
    assert o.post(URL, {"dependent": wife.pk, "result": "PASSED", "centre": "X"}).status_code == 404
    page = o.get(URL).content.decode()
    assert wife.person.id_number not in page
    assert list(MedicalExam.objects.filter(person=wife.person).values_list("result", flat=True)) == ["REQUIRED"]
    assert not AuditLog.objects.filter(action="medical_exam.recorded").exists()
    with pytest.raises(NotFound):
        medical_exam_record(head=outsider, dependent_id=wife.pk, result="PASSED", centre="X")
    assert MedicalExam.objects.filter(person=wife.person).count() == 1


def test_anonymous_is_sent_to_login(fam, client, settings):
    settings.SANDBOXES_ENABLED = True
    r = client.get(URL)
    assert r.status_code == 302 and "/login/" in r.url


def test_the_service_refuses_a_bad_result_and_an_empty_centre(fam):
    head, wife = fam
    for kwargs in ({"result": "MAYBE", "centre": "X"}, {"result": "PASSED", "centre": "  "}):
        with pytest.raises(ApplicationError) as e:
            medical_exam_record(head=head, dependent_id=wife.pk, **kwargs)
        assert e.value.code == "VALIDATION_ERROR"
    assert MedicalExam.objects.filter(person=wife.person).count() == 1


def test_a_bad_form_shows_field_errors(fam, web_client_for, settings):
    head, wife = fam
    settings.SANDBOXES_ENABLED = True
    r = web_client_for(head).post(URL, {"dependent": wife.pk, "result": "", "centre": "X"})
    assert r.status_code == 200 and "This field is required." in r.content.decode()
    assert MedicalExam.objects.filter(person=wife.person).count() == 1
