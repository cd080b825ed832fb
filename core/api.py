"""API plumbing shared by every app."""

from django.conf import settings
from rest_framework.permissions import BasePermission

from core.people import is_person


class IsPerson(BasePermission):
    """The caller signed in through Nafath (bearer token): request.user is a person (settings.PERSON_MODEL)."""

    def has_permission(self, request, view):
        return is_person(getattr(request, "user", None))


def client_ip(request) -> str:
    """The client address. Behind the proxy of docker-compose the first X-Forwarded-For hop
    is trusted only when TRUST_X_FORWARDED_FOR is on."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        fwd = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if fwd:
            return fwd.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"
