"""Pages of the family iqama renewal: family → checks → fees and confirmation → payment → result.
The selection (dependents and periods) travels in the query string and is re-checked on every step;
the request itself lives in the database from the confirmation on."""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.api import client_ip
from core.auth import person_required
from core.errors import ApplicationError, NotFound
from passports import presenters, selectors, services
from passports.flow import IQAMA_RENEWAL
from passports.forms import MedicalResultForm, RenewalConfirmForm
from passports.models import IqamaRenewal
from passports.services.eligibility import allowed_periods, assess, check_from_json, load_facts, rules_table
from passports.services.medical import medical_exam_record

STEPS = [
    gettext_lazy("Choose dependents"),
    gettext_lazy("Conditions"),
    gettext_lazy("Fees and confirmation"),
    gettext_lazy("Payment"),
    gettext_lazy("Result"),
]


def _steps(current: int):
    """The renewal's stepper (HTML) with `current` the step shown."""
    return presenters.stepper_html([(label, "done" if i < current else "current" if i == current else "") for i, label in enumerate(STEPS)])


def _selection(request):
    """[(member, months)] from ?d=<id>&m<id>=<months>, scoped to the signed-in head (others: 404);
    one query for the whole selection."""
    out = []
    for member in selectors.dependents_get_for_head(head=request.person, dependent_ids=request.GET.getlist("d")):
        months = services.renewal.parse_months(request.GET.get(f"m{member.pk}", allowed_periods(member)[0]))
        out.append((member, months))
    return out


def _renewal_or_404(request, pk) -> IqamaRenewal:
    try:
        return selectors.renewal_get_for_head(head=request.person, renewal_id=pk)
    except NotFound:
        raise Http404 from None


def _query(pairs) -> str:
    q = [("d", m.pk) for m, _n in pairs] + [(f"m{m.pk}", n) for m, n in pairs]
    return urlencode(q)


@person_required
def family(request):
    rows = presenters.family_rows(selectors.family_overview_for_head(head=request.person))
    renewals = selectors.renewal_summaries_for_head(head=request.person)
    return render(
        request,
        "passports/family.html",
        {
            "rows": rows,
            "renewals": renewals,
            "steps": _steps(0),
            "periods": ", ".join(str(p) for p in settings.IQAMA_PERIODS_MONTHS),
            "worker_periods": ", ".join(str(p) for p in settings.IQAMA_DOMESTIC_WORKER_PERIODS_MONTHS),
            "grace": settings.IQAMA_LATE_GRACE_DAYS,
        },
    )


def _selection_or_back(request):
    try:
        pairs = _selection(request)
    except NotFound:
        raise Http404 from None
    except ApplicationError as e:
        messages.error(request, e.message)
        return None
    if not pairs:
        messages.error(request, _("Choose at least one dependent to renew."))
        return None
    return pairs


@person_required
def checks(request):
    pairs = _selection_or_back(request)
    if pairs is None:
        return redirect("passports:family")
    facts = load_facts(head=request.person, members=[m for m, _n in pairs])
    assessments = [assess(member=m, months=n, facts=facts) for m, n in pairs]
    eligible_pairs = [(a.member, a.months) for a in assessments if a.eligible]
    return render(
        request,
        "passports/checks.html",
        {
            "assessments": [presenters.assessment_view(a) for a in assessments],
            "all_eligible": len(eligible_pairs) == len(assessments),
            "query": _query(pairs),
            "eligible_query": _query(eligible_pairs) if eligible_pairs else "",
            "any_review": any(a.needs_review for a in assessments),
            "rules": presenters.rules_rows_html(rules_table()),
            "steps": _steps(1),
        },
    )


@person_required
def quote(request):
    pairs = _selection_or_back(request)
    if pairs is None:
        return redirect("passports:family")
    facts = load_facts(head=request.person, members=[m for m, _n in pairs])
    assessments = [assess(member=m, months=n, facts=facts) for m, n in pairs]
    if not all(a.eligible for a in assessments):
        return redirect(reverse("passports:checks") + "?" + _query(pairs))
    form = RenewalConfirmForm(request.POST or None, initial={"token": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        try:
            renewal = services.renewal_submit(
                head=request.person,
                items=[{"dependent_id": m.pk, "months": n} for m, n in pairs],
                idempotency_key=form.cleaned_data["token"],
                ip=client_ip(request),
            )
        except ApplicationError as e:
            existing = e.details.get("id") if e.code == "ALREADY_SUBMITTED" else None
            messages.error(request, e.message)
            if existing:
                return redirect("passports:detail", pk=existing)
            if e.code in ("NOT_ELIGIBLE", "RENEWAL_IN_PROGRESS"):
                return redirect(reverse("passports:checks") + "?" + _query(pairs))
        else:
            return redirect("passports:detail", pk=renewal.pk)
    total = sum((a.quote.total for a in assessments), start=0)
    return render(
        request,
        "passports/quote.html",
        {"assessments": assessments, "total": total, "form": form, "query": _query(pairs), "steps": _steps(2)},
    )


@person_required
def detail(request, pk):
    renewal = _renewal_or_404(request, pk)
    # Paid, and the worker has not yet moved the request on: "payment received, processing".
    paid_processing = IQAMA_RENEWAL.can(renewal, "pay") and renewal.payment_id is not None and renewal.payment.status == "PAID"
    payable = IQAMA_RENEWAL.can(renewal, "pay") and not paid_processing
    checkout_url = ""
    if renewal.payment_id and payable:
        try:
            checkout_url = reverse("payments:checkout", kwargs={"pk": renewal.payment_id})
        except NoReverseMatch:
            checkout_url = ""
    items = []
    for i in renewal.items.all():
        items.append(
            {
                "item": i,
                "person": i.member.person,
                "iqama": getattr(i.member.person, "iqama", None),
                "checks": [check_from_json(c) for c in (i.checks_at_payment or [])],
            }
        )
    return render(
        request,
        "passports/detail.html",
        {
            "renewal": renewal,
            "items": items,
            "checkout_url": checkout_url,
            "steps": _steps(3 if payable else 4),
            "total": renewal.total,
            "payable": payable,
            "paid_processing": paid_processing,
            # The re-check runs in a worker: the page refreshes until it has moved the request on.
            "refresh": paid_processing or IQAMA_RENEWAL.can(renewal, "auto_approve"),
        },
    )


@person_required
@require_POST
def cancel(request, pk):
    renewal = _renewal_or_404(request, pk)
    try:
        services.renewal_cancel(renewal_id=renewal.pk, head=request.person, ip=client_ip(request))
        messages.info(request, _("The request was cancelled."))
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("passports:detail", pk=renewal.pk)


def address_help(request):
    return render(request, "passports/address_help.html", {})


@person_required
@require_http_methods(["GET", "POST"])
def medical_centre(request):
    """Sandbox: a medical centre records an exam result for one of the signed-in head's dependents
    (the MEDICAL_EXAM check's fix link). 404 when sandboxes are off; another head's dependent is 404."""
    if not settings.SANDBOXES_ENABLED:
        raise Http404
    members = selectors.dependents_with_latest_exam(head=request.person)
    wanted = request.GET.get("dependent")
    if wanted is not None and not any(str(m.pk) == wanted for m in members):
        raise Http404
    form = MedicalResultForm(request.POST or None, members=members, initial={"dependent": wanted})
    if request.method == "POST":
        if request.POST.get("dependent") and not any(str(m.pk) == request.POST["dependent"] for m in members):
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                exam = medical_exam_record(
                    head=request.person, dependent_id=d["dependent"], result=d["result"], centre=d["centre"], ip=client_ip(request)
                )
            except NotFound:
                raise Http404 from None
            except ApplicationError as e:
                form.add_error(None, e.message)
            else:
                messages.success(
                    request,
                    _("Result recorded for %(name)s: %(result)s.") % {"name": exam.person.name, "result": exam.get_result_display()},
                )
                return redirect(reverse("passports:medical_centre") + f"?dependent={d['dependent']}")
    return render(request, "passports/medical_centre.html", {"form": form, "members": members})
