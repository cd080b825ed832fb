"""The portal's own pages: home, the dashboard that composes every service, the language toggle."""

import logging

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.auth import person_required
from registry import selectors

log = logging.getLogger(__name__)


def home(request):
    return redirect("portal:dashboard" if request.person else "nafath:login")


@person_required
def dashboard(request):
    person = request.person
    doc = selectors.person_document_status(person=person)
    family = selectors.family_list_for_head(head=person) if not person.is_citizen else []
    return render(request, "portal/dashboard.html", {"doc": doc, "family": family, "window": settings.IQAMA_RENEWAL_WINDOW_DAYS})


@require_POST
def set_language(request):
    """The language toggle: a cookie that sticks for a year."""
    lang = request.POST.get("language", "")
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = "/"
    response = HttpResponseRedirect(nxt)
    if lang in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            lang,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
            samesite="Lax",
        )
    return response
