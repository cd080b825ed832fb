"""Pages of exit/re-entry visas: travellers and choice → conditions and fees (confirm) → payment →
each visa's page (number, validity, QR code, history, PDF). The choice travels in the query string
and is re-checked on every step; from the confirmation on, the application lives in the database.
The sandbox border page records exits and returns (only where SANDBOXES_ENABLED)."""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core import dates
from core.api import client_ip
from core.auth import person_required
from core.errors import ApplicationError, NotFound
from visas import selectors, services
from visas.flow import VISA
from visas.forms import BorderForm, ConfirmForm, ExtendForm
from visas.models import VisaApplication
from visas.pdf import visa_pdf_bytes
from visas.qr import visa_qr_svg
from visas.services.eligibility import assess, check_from_json, open_visa
from visas.services.fees import TYPES
from visas.services.visas import parse_items

STEPS = [gettext_lazy("Travellers"), gettext_lazy("Conditions and fees"), gettext_lazy("Payment"), gettext_lazy("Visa")]


def _steps(current: int):
    return [(label, "done" if i < current else "current" if i == current else "") for i, label in enumerate(STEPS)]


def _or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound:
        raise Http404 from None


def _choice(request) -> list[dict]:
    """[{"person_id", "type", "months"}] from ?p=<id>&t<id>=SINGLE&m<id>=2."""
    out = []
    for raw in dict.fromkeys(request.GET.getlist("p")):
        out.append({"person_id": raw, "type": request.GET.get(f"t{raw}", "SINGLE"), "months": request.GET.get(f"m{raw}", "")})
    return out


def _query(items) -> str:
    q = [("p", i["person_id"]) for i in items]
    q += [(f"t{i['person_id']}", i["type"]) for i in items] + [(f"m{i['person_id']}", i["months"]) for i in items]
    return urlencode(q)


@person_required
def index(request):
    travellers = selectors.travellers_for(person=request.person)
    today = dates.today()
    rows = [{"person": p, "is_self": p.pk == request.person.pk, "open": open_visa(p.pk, today)} for p in travellers]
    return render(
        request,
        "visas/index.html",
        {
            "rows": rows,
            "visas": list(selectors.visa_list_for_person(person=request.person)[:20]),
            "types": TYPES,
            "months": range(1, settings.VISA_MAX_MONTHS + 1),
            "use_within": settings.VISA_USE_WITHIN_MONTHS,
            "steps": _steps(0),
            "sandboxes": settings.SANDBOXES_ENABLED,
        },
    )


@person_required
@require_http_methods(["GET", "POST"])
def apply(request):
    items = _choice(request)
    if not items:
        messages.error(request, _("Choose at least one traveller."))
        return redirect("visas:index")
    try:
        wanted = parse_items(person=request.person, items=items)
    except NotFound:
        raise Http404 from None
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("visas:index")
    if request.method == "POST":
        # The same form again (a double click, a second tab): show the application it made.
        done = VisaApplication.objects.filter(idempotency_key=request.POST.get("token") or None, applicant=request.person).first()
        if done is not None:
            return redirect("visas:application", pk=done.pk)
    assessments = [assess(person=t, visa_type=ty, months=m) for t, ty, m in wanted]
    form = ConfirmForm(request.POST or None, initial={"token": uuid.uuid4().hex})
    all_eligible = all(a.eligible for a in assessments)
    if request.method == "POST" and form.is_valid() and all_eligible:
        try:
            application = services.application_submit(
                person=request.person, items=items, idempotency_key=form.cleaned_data["token"], ip=client_ip(request)
            )
        except ApplicationError as e:
            messages.error(request, e.message)
            existing = e.details.get("id") if e.code == "ALREADY_SUBMITTED" else None
            if existing:
                return redirect("visas:application", pk=existing)
        else:
            return redirect("visas:application", pk=application.pk)
    eligible_items = [{"person_id": a.person.pk, "type": a.type, "months": a.months} for a in assessments if a.eligible]
    return render(
        request,
        "visas/apply.html",
        {
            "assessments": assessments,
            "all_eligible": all_eligible,
            "total": sum((a.quote.total for a in assessments), start=0),
            "form": form,
            "eligible_query": _query(eligible_items) if eligible_items and not all_eligible else "",
            "steps": _steps(1),
        },
    )


@person_required
def application(request, pk):
    app = _or_404(selectors.application_get_for_person, person=request.person, application_id=pk)
    visas = list(app.visas.all())
    payable = any(VISA.can(v, "pay") for v in visas) and app.payment and app.payment.status == "PENDING"
    checkout_url = ""
    if payable:
        try:
            checkout_url = reverse("payments:checkout", kwargs={"pk": app.payment_id})
        except NoReverseMatch:
            checkout_url = ""
    return render(
        request,
        "visas/application.html",
        {
            "app": app,
            "visas": visas,
            "payable": payable,
            "checkout_url": checkout_url,
            "steps": _steps(2 if payable else 3),
            # Issuing runs in a worker after the payment: refresh until the visas are issued.
            "refresh": bool(app.payment and app.payment.status == "PAID" and any(VISA.can(v, "pay") for v in visas)),
        },
    )


@person_required
def detail(request, pk):
    visa = _or_404(selectors.visa_get_for_person, person=request.person, visa_id=pk)
    pending = [e for e in visa.extensions.all() if e.status == "AWAITING_PAYMENT"]
    payment = visa.application.payment
    # Paid, and the worker has not yet issued the visa: "payment received, processing".
    paid_processing = visa.status == "AWAITING_PAYMENT" and payment is not None and payment.status == "PAID"
    return render(
        request,
        "visas/detail.html",
        {
            "visa": visa,
            "payment": payment,
            "paid_processing": paid_processing,
            "refresh": paid_processing,
            "qr_svg": visa_qr_svg(visa) if visa.number else "",
            "checks": [check_from_json(c) for c in visa.checks_at_submit],
            "pending_extension": pending[0] if pending else None,
            "extend_form": ExtendForm(),
            "can_cancel": VISA.can(visa, "cancel") and not paid_processing,
            "can_extend": VISA.can(visa, "extend") and not visa.person.inside_kingdom and not pending,
            "statuses": dict(visa.Status.choices),
            "steps": _steps(3),
        },
    )


@person_required
def pdf(request, pk):
    visa = _or_404(selectors.visa_get_for_person, person=request.person, visa_id=pk)
    if not visa.number:
        raise Http404
    response = HttpResponse(visa_pdf_bytes(visa), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="visa-{visa.number}.pdf"'
    return response


@person_required
@require_POST
def cancel(request, pk):
    visa = _or_404(selectors.visa_get_for_person, person=request.person, visa_id=pk)
    try:
        services.visa_cancel(person=request.person, visa_id=visa.pk, ip=client_ip(request))
        messages.info(request, _("The visa is cancelled. The fee is not refunded."))
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("visas:detail", pk=visa.pk)


@person_required
@require_POST
def extend(request, pk):
    visa = _or_404(selectors.visa_get_for_person, person=request.person, visa_id=pk)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how many months to add."))
        return redirect("visas:detail", pk=visa.pk)
    try:
        ext = services.visa_extend(person=request.person, visa_id=visa.pk, months=form.cleaned_data["months"], ip=client_ip(request))
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("visas:detail", pk=visa.pk)
    try:
        return redirect("payments:checkout", pk=ext.payment_id)
    except NoReverseMatch:
        return redirect("visas:detail", pk=visa.pk)


@person_required
@require_http_methods(["GET", "POST"])
def border(request):
    """Sandbox: the border records an exit or a return of the signed-in person or a dependent."""
    if not settings.SANDBOXES_ENABLED:
        raise Http404
    travellers = selectors.travellers_for(person=request.person)
    form = BorderForm(request.POST or None, travellers=travellers, initial={"person": request.GET.get("person")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            crossing = services.border_crossing_record(
                actor=request.person, person_id=d["person"], direction=d["direction"], port=d["port"], ip=client_ip(request)
            )
        except NotFound:
            raise Http404 from None
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(
                request,
                _("%(direction)s recorded for %(name)s.") % {"direction": crossing.get_direction_display(), "name": crossing.person.name},
            )
            return redirect("visas:border")
    return render(
        request,
        "visas/border.html",
        {"form": form, "travellers": travellers, "crossings": list(selectors.crossings_for_person(person=request.person)[:20])},
    )
