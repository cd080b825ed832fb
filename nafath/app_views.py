"""The Nafath app simulator: a phone-sized page signed in with ID number + device PIN, listing
the person's waiting requests with their three numbers."""

import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.api import client_ip
from core.errors import ApplicationError
from core.services import audit_log_write
from nafath import selectors, services
from nafath.browser import APP_BOUND_COOKIE, APP_BOUND_SALT, APP_CLIENT_COOKIE, cookie_set, signed_cookie
from nafath.forms import AppSignInForm
from nafath.models import Device, NafathRequest

APP_DEVICE_KEY, APP_SEEN_KEY = "nafath_app_device", "nafath_app_seen"
Status = NafathRequest.Status


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
        bound = signed_cookie(request, APP_BOUND_COOKIE, APP_BOUND_SALT, settings.NAFATH_KNOWN_BROWSER_DAYS) or {}
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
                cookie_set(response, APP_CLIENT_COOKIE, client_id, settings.NAFATH_KNOWN_BROWSER_DAYS)
                value = signing.dumps({"d": device.pk}, salt=APP_BOUND_SALT)
                cookie_set(response, APP_BOUND_COOKIE, value, settings.NAFATH_KNOWN_BROWSER_DAYS)
                return response
        response = render(request, "nafath/app.html", {"form": form})
        if request.COOKIES.get(APP_CLIENT_COOKIE) != client_id:
            cookie_set(response, APP_CLIENT_COOKIE, client_id, settings.NAFATH_KNOWN_BROWSER_DAYS)
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
