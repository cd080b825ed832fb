"""The project's person model, named by settings.PERSON_MODEL ("app_label.Model"), the way
Django names the user model: core's session, permission and audit helpers work with people
without importing the app that keeps them."""

from django.apps import apps
from django.conf import settings


def person_model():
    return apps.get_model(settings.PERSON_MODEL, require_ready=False)


def is_person(obj) -> bool:
    return isinstance(obj, person_model())
