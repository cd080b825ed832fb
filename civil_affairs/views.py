"""Pages of the national ID renewal: start (eligibility, photo rules, upload or camera), the
request's page (live photo check, delivery choice, payment, tracking), and the photo views."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civil_affairs import selectors, services
from civil_affairs.api import QuickCheckOutputSerializer, renewal_output
from civil_affairs.flow import ID_RENEWAL, status_tone
from civil_affairs.forms import DeliveryForm, PhotoUploadForm
from civil_affairs.models import IdRenewal
from civil_affairs.services.card_journey import renewal_card_expected_date
from core.api import client_ip
from core.auth import person_required
from core.errors import ApplicationError, NotFound, error_body
from core.middleware import camera_allowed
from core.officers import officer_verified

S = IdRenewal.Status


def _steps(renewal: IdRenewal | None):
    """The stepper: (label, state) with state done/current/''."""
    labels = [
        gettext("Eligibility"),
        gettext("Photo"),
        gettext("Photo check"),
        gettext("Delivery"),
        gettext("Payment"),
        gettext("Tracking"),
    ]
    if renewal is None:
        current = 1
    else:
        current = {
            S.PHOTO_CHECK: 2,
            S.PHOTO_REJECTED: 2,
            S.AWAITING_DELIVERY_CHOICE: 3,
            S.AWAITING_PAYMENT: 4,
            S.CANCELLED: 3,
        }.get(renewal.status, 5)
    return [(label, "done" if i < current else "current" if i == current else "") for i, label in enumerate(labels)]


def _not_found(fn):
    def wrapper(request, *args, **kwargs):
        try:
            return fn(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@person_required
@camera_allowed
def start(request):
    person = request.person
    elig = selectors.renewal_eligibility(person=person)
    form = PhotoUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            renewal = services.renewal_create(
                person=person,
                photo_data=d["photo"].read(),
                ip=client_ip(request),
                source=d["source"] or IdRenewal.PhotoSource.UPLOAD,
                captured_at=d["captured_at"],
            )
        except ApplicationError as exc:
            if exc.code == "NOT_ELIGIBLE":
                form.add_error(None, exc.message)
            else:
                form.add_error("photo", exc.message)
                for r in exc.details.get("reasons", []):  # PHOTO_QUALITY: each rule the photo breaks
                    form.add_error("photo", r["message"])
        else:
            return redirect("civil_affairs:detail", pk=renewal.pk)
    history = selectors.renewal_list_for_person(person=person)[:10]
    return render(
        request,
        "civil_affairs/start.html",
        {
            "elig": elig,
            "form": form,
            "steps": _steps(None),
            "history": history,
            "roll_degrees": f"{settings.PHOTO_MAX_ROLL_DEGREES:g}",
            "quick_check_side": settings.PHOTO_QUICK_CHECK_MAX_SIDE,
        },
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@require_POST
def quick_check(request):
    """Live guidance for the camera page (POST multipart `frame`, about once a second): JSON
    rendered by the API's QuickCheckOutputSerializer; errors in the API's error shape. Nothing
    is stored. A visitor who is not signed in gets 401, not a login page."""
    person = getattr(request, "person", None)
    if person is None:
        return JsonResponse(error_body("NOT_AUTHENTICATED", _("Sign in first.")), status=401)
    frame = request.FILES.get("frame")
    if frame is None:
        return JsonResponse(
            error_body("VALIDATION_ERROR", _("Some fields are not valid."), {"fields": {"frame": [_("This field is required.")]}}),
            status=400,
        )
    try:
        result = services.renewal_photo_quick_check(person=person, data=frame.read())
    except ApplicationError as exc:
        resp = JsonResponse(error_body(exc.code, exc.message, exc.details), status=exc.status)
        if exc.status == 429:
            resp["Retry-After"] = str(exc.details.get("retry_after", 60))
        return resp
    return JsonResponse(QuickCheckOutputSerializer(result).data)


@never_cache
@person_required
@_not_found
def detail(request, pk):
    person = request.person
    renewal = selectors.renewal_get_for_person(person=person, renewal_id=pk)
    form = None
    if ID_RENEWAL.can(renewal, "choose_delivery"):
        form = DeliveryForm(addresses=selectors.address_list_for_person(person=person), offices=selectors.office_list())
    return render(request, "civil_affairs/detail.html", _detail_context(renewal, form))


def _detail_context(renewal, form):
    person = renewal.person
    data = renewal_output(renewal)
    return {
        "renewal": renewal,
        "data": data,
        "form": form,
        "steps": _steps(renewal),
        "tone": status_tone(renewal.status),
        "addresses": selectors.address_list_for_person(person=person),
        "undeliverable": [a for a in selectors.address_list_for_person(person=person) if not a.deliverable],
        "payment": renewal.payment,
        # Paid, and the worker has not yet moved the request on: "payment received, processing".
        "paid_processing": bool(renewal.payment and renewal.payment.status == "PAID" and ID_RENEWAL.can(renewal, "pay")),
        # Poll while a machine or the bank moves the request next (the photo check, the
        # automatic decision, the payment).
        "live": any(ID_RENEWAL.can(renewal, a) for a in ("photo_passed", "auto_approve", "pay")),
        "delivery_fee": settings.ID_DELIVERY_FEE,
        "card_expected": renewal_card_expected_date(renewal),
        "issuance_days": settings.ID_ISSUANCE_WORKING_DAYS,
    }


@require_POST
@person_required
@_not_found
def delivery(request, pk):
    person = request.person
    renewal = selectors.renewal_get_for_person(person=person, renewal_id=pk)
    form = DeliveryForm(request.POST, addresses=selectors.address_list_for_person(person=person), offices=selectors.office_list())
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.renewal_delivery_choose(
                person=person, renewal_id=renewal.pk, method=d["method"], address_id=d.get("address_id"), office_id=d.get("office_id")
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("civil_affairs:detail", pk=renewal.pk)
    renewal = selectors.renewal_get_for_person(person=person, renewal_id=pk)
    if not ID_RENEWAL.can(renewal, "choose_delivery"):
        messages.error(
            request, _("This request cannot do that in its current status (%(status)s).") % {"status": renewal.get_status_display()}
        )
        return redirect("civil_affairs:detail", pk=renewal.pk)
    return render(request, "civil_affairs/detail.html", _detail_context(renewal, form), status=400)


@require_POST
@person_required
@_not_found
def cancel(request, pk):
    try:
        services.renewal_cancel(person=request.person, renewal_id=pk)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, exc.message)
    return redirect("civil_affairs:detail", pk=pk)


@never_cache
@person_required
@_not_found
def status_json(request, pk):
    """What the page polls while the check (or the processing) runs."""
    renewal = selectors.renewal_get_for_person(person=request.person, renewal_id=pk)
    return JsonResponse(renewal_output(renewal))


def _image(data: bytes | None):
    if data is None:
        raise Http404
    resp = HttpResponse(data, content_type="image/jpeg")
    resp["Cache-Control"] = "private, no-store"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


def _officer(request):
    """A signed-in staff officer allowed to see ID renewals who passed his second factor (the admin's
    rule, core.officers), or None."""
    user = getattr(request, "user", None)
    return user if officer_verified(user, "civil_affairs.view_idrenewal") else None


@never_cache
def photo(request, pk):
    """The renewal's new photo: to its owner (signed-in person) or to an officer; each read audited."""
    user = _officer(request)
    if user is not None:
        renewal = IdRenewal.objects.select_related("person").filter(pk=pk).first()
        if renewal is None:
            raise Http404
        return _image(services.renewal_photo_read(renewal=renewal, which="new", officer=user, ip=client_ip(request)))
    if getattr(request, "person", None) is None:
        raise Http404
    try:
        renewal = selectors.renewal_get_for_person(person=request.person, renewal_id=pk)
    except NotFound:
        raise Http404 from None
    return _image(services.renewal_photo_read(renewal=renewal, which="new", person=request.person, ip=client_ip(request)))


@never_cache
def photo_on_file(request, pk):
    """The photo on file of a renewal's person: officers only (for the review side by side)."""
    user = _officer(request)
    if user is None:
        raise Http404
    renewal = IdRenewal.objects.select_related("person").filter(pk=pk).first()
    if renewal is None:
        raise Http404
    return _image(services.renewal_photo_read(renewal=renewal, which="on_file", officer=user, ip=client_ip(request)))
