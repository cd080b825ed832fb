"""URLs of `make bench-web` only (absher.settings.bench): the portal's URLs plus two bare views
that measure the framework's floor in the same server. Not part of the portal's URLs."""

from django.http import HttpResponse
from django.urls import path

from absher.urls import urlpatterns as portal_urlpatterns
from core.middleware import SESSION_PERSON_KEY


def bare(request):
    """The floor: a view returning "ok" through the whole middleware stack."""
    return HttpResponse("ok", content_type="text/plain")


def bare_session(request):
    """The floor of a signed-in page: reads the session (and so the person the middleware loads)."""
    return HttpResponse(f"ok {request.session.get(SESSION_PERSON_KEY, '-')}", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/session/", bare_session),
    *portal_urlpatterns,
]
