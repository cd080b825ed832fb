"""Pages: device activation (ID number, code by SMS, PIN and selfie), my devices (revoke),
my activity ("this was not me"), and a pending device's selfie for officers."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.api import client_ip
from core.auth import person_required
from core.errors import ApplicationError, NotFound
from core.officers import officer_verified
from nafath import selectors, services
from nafath.forms import ActivationCodeForm, ActivationFinishForm, ActivationStartForm

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
