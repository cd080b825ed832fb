"""Pages: the portal's login (with its live status endpoint), sign-out, and the Nafath app
simulator (a phone-sized page signed in with ID number + device PIN)."""

import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.api import client_ip
from core.auth import person_login, person_logout, person_required
from core.errors import ApplicationError, NotFound
from core.i18n import localized
from core.officers import officer_verified
from core.services import audit_log_write
from nafath import selectors, services
from nafath.forms import ActivationCodeForm, ActivationFinishForm, ActivationStartForm, AppSignInForm, LoginForm
from nafath.models import Device, NafathRequest
from nafath.oidc_views import OIDC_AUTH_KEY, OIDC_PENDING_KEY
from nafath.tokens import token_digest

TXN_KEY, NONCE_KEY, NEXT_KEY = "nafath_txn", "nafath_nonce", "nafath_next"
APP_DEVICE_KEY, APP_SEEN_KEY = "nafath_app_device", "nafath_app_seen"
Status = NafathRequest.Status
# The owner's own browser and device (docs/nafath.md "No lock-out by ID number"): signed cookies.
KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_SALT = "nafath_known", "nafath.known-browser"
APP_CLIENT_COOKIE, APP_BOUND_COOKIE, APP_BOUND_SALT = "nafath_app_client", "nafath_app_bound", "nafath.app-bound-device"


def _cookie_set(response, name: str, value: str, days: int) -> None:
    response.set_cookie(name, value, max_age=days * 86400, httponly=True, secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")


def _signed_cookie(request, name: str, salt: str, days: int) -> dict | None:
    raw = request.COOKIES.get(name)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=salt, max_age=days * 86400)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _browser_owner(request):
    """The person this browser belongs to, as far as the portal knows: the one signed in, else the
    one who last signed in with Nafath here (a signed cookie). nafath_request_start treats a start
    for that person's ID number as the owner's own."""
    if request.person is not None:
        return request.person
    data = _signed_cookie(request, KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_SALT, settings.NAFATH_KNOWN_BROWSER_DAYS)
    return selectors.person_for_known_browser(person_id=data.get("p")) if data else None


def _remember_browser(request, response):
    """After a Nafath sign-in in this browser: remember it as the person's own."""
    if request.person is not None:
        value = signing.dumps({"p": request.person.pk}, salt=KNOWN_BROWSER_SALT)
        _cookie_set(response, KNOWN_BROWSER_COOKIE, value, settings.NAFATH_KNOWN_BROWSER_DAYS)
    return response


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
                    owner=_browser_owner(request),
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
        return _remember_browser(request, JsonResponse(body))
    return JsonResponse(body)


@never_cache
@require_POST
def login_check(request):
    """Without JavaScript: "I have answered, continue"."""
    req = _login_request(request)
    if req is not None:
        nxt = _try_sign_in(request, req)
        if nxt:
            return _remember_browser(request, redirect(nxt))
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


# --- the Nafath app simulator ------------------------------------------------------------------
def _app_device(request) -> Device | None:
    device_id, seen = request.session.get(APP_DEVICE_KEY), request.session.get(APP_SEEN_KEY, 0)
    if not device_id:
        return None
    now = int(time.time())
    device = Device.objects.select_related("person").filter(pk=device_id, status=Device.Status.ACTIVE).first()
    if device is None or now - seen > settings.SESSION_IDLE_TIMEOUT:
        request.session.pop(APP_DEVICE_KEY, None)
        request.session.pop(APP_SEEN_KEY, None)
        return None
    request.session[APP_SEEN_KEY] = now
    return device


@never_cache
@require_http_methods(["GET", "POST"])
def app(request):
    device = _app_device(request)
    if device is None:
        # This app installation: a random id of its own (its wrong PINs count on it), and the device
        # it signed in as before (the owner's own: its wrong PINs count on that device only).
        client_id = request.COOKIES.get(APP_CLIENT_COOKIE, "")[:64] or secrets.token_urlsafe(18)
        bound = _signed_cookie(request, APP_BOUND_COOKIE, APP_BOUND_SALT, settings.NAFATH_KNOWN_BROWSER_DAYS) or {}
        form = AppSignInForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                device = services.nafath_app_sign_in(
                    id_number=form.cleaned_data["id_number"],
                    pin=form.cleaned_data["pin"],
                    ip=client_ip(request),
                    client_id=client_id,
                    device_id=bound.get("d") if isinstance(bound.get("d"), int) else None,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                request.session.cycle_key()
                request.session[APP_DEVICE_KEY] = device.pk
                request.session[APP_SEEN_KEY] = int(time.time())
                response = redirect("nafath:app")
                _cookie_set(response, APP_CLIENT_COOKIE, client_id, settings.NAFATH_KNOWN_BROWSER_DAYS)
                value = signing.dumps({"d": device.pk}, salt=APP_BOUND_SALT)
                _cookie_set(response, APP_BOUND_COOKIE, value, settings.NAFATH_KNOWN_BROWSER_DAYS)
                return response
        response = render(request, "nafath/app.html", {"form": form})
        if request.COOKIES.get(APP_CLIENT_COOKIE) != client_id:
            _cookie_set(response, APP_CLIENT_COOKIE, client_id, settings.NAFATH_KNOWN_BROWSER_DAYS)
        return response
    services.nafath_request_expire_overdue(id_number=device.person.id_number)
    reqs = list(selectors.nafath_request_list_waiting_for_person(person=device.person))
    return render(
        request,
        "nafath/app.html",
        {
            "device": device,
            "requests": reqs,
            "poll_ms": settings.NAFATH_POLL_INTERVAL_MS,
            "txns": ",".join(str(r.transaction_id) for r in reqs),
        },
    )


@never_cache
@require_GET
def app_requests(request):
    device = _app_device(request)
    if device is None:
        return JsonResponse({"signed_in": False, "requests": []}, status=401)
    reqs = selectors.nafath_request_list_waiting_for_person(person=device.person)
    return JsonResponse({"signed_in": True, "requests": [str(r.transaction_id) for r in reqs]})


@require_POST
def app_answer(request, transaction_id):
    device = _app_device(request)
    if device is None:
        return redirect("nafath:app")
    decision = request.POST.get("decision")
    try:
        req = services.nafath_request_answer(
            device=device,
            transaction_id=transaction_id,
            choice=request.POST.get("choice"),
            reject=decision == "reject",
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if req.status == Status.COMPLETED:
            messages.success(request, _("Confirmed. You are being signed in on the portal."))
        elif req.answer_reason == "wrong_number":
            messages.error(request, _("That was not the number shown on the portal. The request was rejected for your safety."))
        else:
            messages.info(request, _("You rejected the request. Nobody was signed in."))
    return redirect("nafath:app")


@require_POST
def app_signout(request):
    device_id = request.session.pop(APP_DEVICE_KEY, None)
    request.session.pop(APP_SEEN_KEY, None)
    if device_id:
        audit_log_write(action="nafath.app_signed_out", ip=client_ip(request), device=device_id)
    return redirect("nafath:app")


# --- device activation, my devices, my activity -------------------------------------------------
ACTIVATION_KEY = "nafath_activation"


def _activation_steps(current: int):
    labels = [_("ID number"), _("Code by SMS"), _("PIN and selfie"), _("Done")]
    return [(label, "done" if i < current else "current" if i == current else "") for i, label in enumerate(labels)]


def _field_errors(form, exc: ApplicationError, fallback: str | None = None) -> None:
    fields = (exc.details or {}).get("fields") or {}
    placed = False
    for name, msgs in fields.items():
        if name in form.fields:
            for m in msgs:
                form.add_error(name, m)
            placed = True
    if not placed:
        form.add_error(fallback, exc.message)


@never_cache
@require_http_methods(["GET", "POST"])
def activate(request):
    """Step 1: the ID number (prefilled when signed in) → a code by SMS to the mobile on file."""
    initial = {"id_number": request.person.id_number} if request.person is not None else {}
    form = ActivationStartForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activation = services.device_activation_start(id_number=form.cleaned_data["id_number"], ip=client_ip(request))
        except ApplicationError as exc:
            _field_errors(form, exc)
        else:
            request.session[ACTIVATION_KEY] = str(activation.activation_id)
            return redirect("nafath:activate_code")
    return render(request, "nafath/activate.html", {"step": "start", "form": form, "steps": _activation_steps(0)})


@never_cache
@require_http_methods(["GET", "POST"])
def activate_code(request):
    activation_id = request.session.get(ACTIVATION_KEY)
    if not activation_id:
        return redirect("nafath:activate")
    form = ActivationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.device_activation_verify(activation_id=activation_id, code=form.cleaned_data["code"], ip=client_ip(request))
        except ApplicationError as exc:
            if exc.code in ("TOO_MANY_ATTEMPTS", "ACTIVATION_CODE_EXPIRED"):
                request.session.pop(ACTIVATION_KEY, None)
                messages.error(request, exc.message)
                return redirect("nafath:activate")
            _field_errors(form, exc)
        else:
            return redirect("nafath:activate_finish")
    return render(request, "nafath/activate.html", {"step": "code", "form": form, "steps": _activation_steps(1)})


@never_cache
@require_http_methods(["GET", "POST"])
def activate_finish(request):
    activation_id = request.session.get(ACTIVATION_KEY)
    if not activation_id:
        return redirect("nafath:activate")
    form = ActivationFinishForm(request.POST or None, request.FILES or None)
    ctx = {"step": "finish", "form": form, "steps": _activation_steps(2), "pin_length": settings.NAFATH_PIN_LENGTH}
    if request.method == "POST" and form.is_valid():
        try:
            device, token = services.device_activation_complete(
                activation_id=activation_id,
                pin=form.cleaned_data["pin"],
                selfie=form.cleaned_data["selfie"].read(),
                label=form.cleaned_data.get("label") or "Nafath app",
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            if exc.code == "TOO_MANY_ATTEMPTS":
                request.session.pop(ACTIVATION_KEY, None)
                messages.error(request, exc.message)
                return redirect("nafath:activate")
            _field_errors(form, exc)
        else:
            request.session.pop(ACTIVATION_KEY, None)
            return render(
                request, "nafath/activate.html", {"step": "done", "device": device, "token": token, "steps": _activation_steps(3)}
            )
    return render(request, "nafath/activate.html", ctx)


@person_required
@never_cache
@require_GET
def devices(request):
    return render(request, "nafath/devices.html", {"devices": selectors.device_list_for_person(person=request.person)})


@person_required
@require_POST
def device_revoke(request, device_id: int):
    try:
        services.device_revoke(person=request.person, device_id=device_id, reason="by_person", ip=client_ip(request))
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The device was revoked. It can no longer confirm sign-ins."))
    return redirect("nafath:devices")


@person_required
@never_cache
@require_GET
def activity(request):
    return render(request, "nafath/activity.html", {"entries": selectors.activity_list_for_person(person=request.person)})


@person_required
@require_POST
def activity_not_me(request, entry_id: int):
    try:
        services.activity_disown(
            person=request.person, entry_id=entry_id, ip=client_ip(request), current_session_key=request.session.session_key or ""
        )
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Thank you. We ended what this entry opened and told the officers."))
    return redirect("nafath:activity")


@never_cache
@require_GET
def device_selfie(request, device_id: int):
    """A pending device's selfie: officers only (404 for anyone else); each read is audited."""
    user = getattr(request, "user", None)
    if not officer_verified(user, "nafath.view_device"):  # staff with the permission and the second factor
        raise Http404
    try:
        data = services.device_selfie_read(device_id=device_id, officer=user, ip=client_ip(request))
    except NotFound:
        raise Http404 from None
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store, private"
    return response
