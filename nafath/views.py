"""Pages: the portal's login (with its live status endpoint) and sign-out. The Nafath app
simulator is in app_views.py; device activation, my devices and my activity in
device_views.py; the owner's-browser cookies in browser.py."""

import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.api import client_ip
from core.auth import person_login, person_logout
from core.errors import ApplicationError
from core.i18n import localized
from core.services import audit_log_write
from nafath import services
from nafath.browser import browser_owner, remember_browser
from nafath.forms import LoginForm
from nafath.models import NafathRequest
from nafath.oidc_views import OIDC_AUTH_KEY, OIDC_PENDING_KEY
from nafath.tokens import token_digest

TXN_KEY, NONCE_KEY, NEXT_KEY = "nafath_txn", "nafath_nonce", "nafath_next"
Status = NafathRequest.Status


def _safe_next(request, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return value
    return reverse("portal:dashboard")


def _login_request(request) -> NafathRequest | None:
    """The request this browser session started, refreshed (lazy expiry)."""
    txn, nonce = request.session.get(TXN_KEY), request.session.get(NONCE_KEY)
    if not txn or not nonce:
        return None
    req = (
        NafathRequest.objects.select_related("person")
        .filter(transaction_id=txn, web_nonce_digest=token_digest(nonce), channel=NafathRequest.Channel.WEB)
        .first()
    )
    return services.nafath_request_refresh(req=req) if req else None


def _try_sign_in(request, req: NafathRequest) -> str | None:
    """Sign this browser in when its request is COMPLETED; returns where to go next."""
    if req.status != Status.COMPLETED:
        return None
    person = services.nafath_request_web_claim(req=req, web_nonce=request.session.get(NONCE_KEY, ""), ip=client_ip(request))
    if person is None:
        return None
    nxt = _safe_next(request, request.session.get(NEXT_KEY))
    person_login(request, person)
    if not request.session.session_key:
        request.session.save()
    services.nafath_request_session_bind(req=req, session_key=request.session.session_key)
    if req.oidc_client_id:  # a relying party's sign-in: its authorization may go on (oidc_views)
        request.session[OIDC_AUTH_KEY] = {"client_id": req.oidc_client_id, "person": person.pk, "at": time.time()}
        services.oidc_auth_time_mark(person=person)
    return nxt


def _oidc_pending(request, nxt: str | None) -> dict | None:
    """The relying party whose authorization sent this browser here (oidc_views.AuthorizeView)."""
    pending = request.session.get(OIDC_PENDING_KEY)
    if pending and nxt and pending.get("next") == nxt:
        return dict(pending, name=localized(pending.get("name_ar", ""), pending.get("name_en", "")))
    return None


def _steps(current: int):
    labels = [_("Enter your ID number"), _("Confirm in the Nafath app"), _("Signed in")]
    return [(label, "done" if i < current else "current" if i == current else "") for i, label in enumerate(labels)]


@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    pending = _oidc_pending(request, request.POST.get("next") if request.method == "POST" else request.GET.get("next"))
    if request.person is not None and pending is None:
        return redirect(_safe_next(request, request.GET.get("next")))
    if request.method == "POST":
        form = LoginForm(request.POST)
        if form.is_valid():
            nonce = secrets.token_urlsafe(24)
            try:
                req = services.nafath_request_start(
                    id_number=form.cleaned_data["id_number"],
                    ip=client_ip(request),
                    channel=NafathRequest.Channel.WEB,
                    web_nonce=nonce,
                    service=pending["name_en"] if pending else "",
                    service_ar=pending["name_ar"] if pending else "",
                    oidc_client_id=pending["client_id"] if pending else "",
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    owner=browser_owner(request),
                )
            except ApplicationError as exc:
                form.add_error(None if exc.code != "INVALID_ID_NUMBER" else "id_number", exc.message)
            else:
                request.session[TXN_KEY] = str(req.transaction_id)
                request.session[NONCE_KEY] = nonce
                request.session[NEXT_KEY] = _safe_next(request, request.POST.get("next"))
                return redirect("nafath:login")
        return render(
            request, "nafath/login.html", {"form": form, "steps": _steps(0), "next": request.POST.get("next", ""), "pending": pending}
        )
    req = _login_request(request)
    if req is None or (pending is not None and req.oidc_client_id != pending["client_id"]):
        initial = {"id_number": request.person.id_number} if request.person is not None else {}
        return render(
            request,
            "nafath/login.html",
            {"form": LoginForm(initial=initial), "steps": _steps(0), "next": request.GET.get("next", ""), "pending": pending},
        )
    return render(
        request,
        "nafath/login.html",
        {
            "req": req,
            "steps": _steps(1 if req.status == Status.WAITING else 0),
            "poll_ms": settings.NAFATH_POLL_INTERVAL_MS,
        },
    )


@never_cache
@require_GET
def login_status(request):
    """The login page's live view of its own request (JSON, scoped to this browser session)."""
    req = _login_request(request)
    if req is None:
        return JsonResponse({"status": "NONE", "seconds_left": 0})
    nxt = _try_sign_in(request, req)
    body = {"status": req.status, "seconds_left": req.seconds_left}
    if nxt:
        body["redirect"] = nxt
        return remember_browser(request, JsonResponse(body))
    return JsonResponse(body)


@never_cache
@require_POST
def login_check(request):
    """Without JavaScript: "I have answered, continue"."""
    req = _login_request(request)
    if req is not None:
        nxt = _try_sign_in(request, req)
        if nxt:
            return remember_browser(request, redirect(nxt))
    return redirect("nafath:login")


@require_POST
def login_restart(request):
    """Start again: give up a waiting request of this browser and show the form."""
    req = _login_request(request)
    if req is not None and req.status == Status.WAITING:
        services.nafath_request_cancel(req=req, web_nonce=request.session.get(NONCE_KEY, ""), ip=client_ip(request))
    for key in (TXN_KEY, NONCE_KEY):
        request.session.pop(key, None)
    nxt = request.session.pop(NEXT_KEY, "")
    url = reverse("nafath:login")
    if nxt and nxt != reverse("portal:dashboard"):
        url += "?" + urlencode({"next": nxt})
    return redirect(url)


@require_POST
def logout(request):
    person = request.person
    if person is not None:
        audit_log_write(action="auth.logout", person=person, ip=client_ip(request), channel="web")
    person_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("nafath:login")
