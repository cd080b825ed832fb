"""The sandbox medical centre: records a medical exam result for a dependent of the head of family
who asks, so that the MEDICAL_EXAM check can pass. A stand-in for the approved medical centres whose
results reach the ministry; pages reach it only while settings.SANDBOXES_ENABLED."""

from django.db import transaction
from django.utils.translation import gettext as _

from core import dates
from core.errors import ApplicationError, NotFound
from core.services import audit_log_write
from registry.models import FamilyMember, MedicalExam, Person

RESULTS = (MedicalExam.Result.PASSED, MedicalExam.Result.FAILED)


def medical_exam_record(*, head: Person, dependent_id: int, result: str, centre: str, ip: str = "") -> MedicalExam:
    """A new exam row (the latest decides the check) for the head's dependent `dependent_id`
    (a FamilyMember id). Another head's dependent is NOT_FOUND; nothing is written then."""
    if result not in RESULTS:
        raise ApplicationError("VALIDATION_ERROR", _("Choose passed or failed."), {"fields": {"result": [_("Choose passed or failed.")]}})
    centre = (centre or "").strip()
    if not centre:
        raise ApplicationError("VALIDATION_ERROR", _("Name the medical centre."), {"fields": {"centre": [_("This field is required.")]}})
    with transaction.atomic():
        member = FamilyMember.objects.select_related("person").filter(head=head, pk=dependent_id).first()
        if member is None:
            raise NotFound()
        exam = MedicalExam.objects.create(person=member.person, result=result, exam_date=dates.today(), centre=centre[:200])
        audit_log_write(
            action="medical_exam.recorded", person=member.person, obj=exam, ip=ip, result=result, centre=exam.centre, by=head.id_number
        )
    return exam
