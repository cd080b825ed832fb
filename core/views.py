import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core import selectors
from core.auth import person_required

log = logging.getLogger(__name__)


def home(request):
    return redirect("core:dashboard" if request.person else "nafath:login")


@person_required
def dashboard(request):
    person = request.person
    doc = selectors.person_document_status(person=person)
    family = selectors.family_list_for_head(head=person) if not person.is_citizen else []
    return render(request, "core/dashboard.html", {"doc": doc, "family": family, "window": settings.IQAMA_RENEWAL_WINDOW_DAYS})


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
            settings.LANGUAGE_COOKIE_NAME, lang, max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False), samesite="Lax",
        )
    return response


def health(request):
    """Database and broker reachability, for docker-compose and load balancers."""
    result = {"database": "ok", "broker": "ok", "cache": "ok"}
    ok = True
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        result["database"], ok = f"error: {exc.__class__.__name__}", False
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        except Exception as exc:  # noqa: BLE001
            result["broker"], ok = f"error: {exc.__class__.__name__}", False
        try:
            cache.set("health", "1", 5)
        except Exception as exc:  # noqa: BLE001
            result["cache"], ok = f"error: {exc.__class__.__name__}", False
    else:
        result["broker"] = "in-process (no REDIS_URL)"
        result["cache"] = "local memory"
    result["status"] = "ok" if ok else "error"
    return JsonResponse(result, status=200 if ok else 503)
