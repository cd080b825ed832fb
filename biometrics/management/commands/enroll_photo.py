"""python manage.py enroll_photo ID_NUMBER PATH: set the photo on file (and its face encoding)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from biometrics.enrol import person_photo_enroll
from core.errors import ApplicationError
from registry.models import Person


class Command(BaseCommand):
    help = "Set the photo on file of the person with this ID or iqama number, and its face encoding."

    def add_arguments(self, parser):
        parser.add_argument("id_number")
        parser.add_argument("path")

    def handle(self, *args, id_number, path, **options):
        person = Person.objects.filter(id_number=id_number).first()
        if person is None:
            raise CommandError(f"No person with ID number {id_number}.")
        p = Path(path)
        if not p.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            person_photo_enroll(person=person, data=p.read_bytes())
        except ApplicationError as exc:
            raise CommandError(f"{p.name}: {exc.message} ({exc.code})") from None
        self.stdout.write(self.style.SUCCESS(f"Photo on file set for {id_number} ({person.face_model})."))
