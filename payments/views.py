"""Server-rendered payment pages: validate, fetch through a selector, call one service, respond."""

import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.auth import person_required
from core.errors import ApplicationError
from payments import hooks, selectors, services
from payments.api import payment_output
from payments.flow import PAYMENT, payment_has_receipt
from payments.forms import BillLookupForm, CardForm
from payments.gateway import card_gateway
from payments.models import Payment
from payments.pdf import receipt_pdf_bytes

# The payment's history as the person reads it: the flow's moves and the events around them.
EVENT_LABELS = {
    "created": gettext_lazy("Bill issued"),
    "pay": gettext_lazy("Paid"),
    "fulfilled": gettext_lazy("Handed over to the request"),
    "settled": gettext_lazy("Fines and violations marked paid"),
    "card_declined": gettext_lazy("Card declined"),
    "sadad_refused": gettext_lazy("Bank notification refused"),
    "refund": gettext_lazy("Refunded"),
    "refund_handed_over": gettext_lazy("Refund passed to the request"),
    "expire": gettext_lazy("Bill expired"),
    "fail": gettext_lazy("Bill cancelled"),
}


def _request_url(payment: Payment) -> str | None:
    """The page of the request a payment pays for, when its purpose has one."""
    purpose = hooks.get(payment.purpose)
    if purpose and purpose.detail_url_name and payment.object_id:
        try:
            return reverse(purpose.detail_url_name, kwargs={"pk": payment.object_id})
        except NoReverseMatch:
            return None
    return None


@person_required
def payment_list(request):
    payments = selectors.payment_list_for_person(person=request.person)
    return render(request, "payments/list.html", {"payments": payments})


@person_required
def payment_detail(request, pk):
    payment = selectors.payment_get_for_person(person=request.person, payment_id=pk)
    return render(
        request,
        "payments/detail.html",
        {
            "payment": payment,
            "request_url": _request_url(payment),
            "events": [(e, EVENT_LABELS.get(e.action, e.action)) for e in payment.events.all()],
        },
    )


@person_required
@require_http_methods(["GET", "POST"])
def checkout(request, pk):
    payment = selectors.payment_get_for_person(person=request.person, payment_id=pk)
    error = None
    if request.method == "POST" and card_gateway() is None:
        raise Http404  # no card gateway in this deployment: the bill is paid through SADAD
    if request.method == "POST":
        form = CardForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = services.payment_pay_by_card(
                    person=request.person,
                    payment_id=payment.pk,
                    idempotency_key=f"web:{d['idempotency_key']}",
                    card_number=d["card_number"],
                    expiry_month=d["expiry_month"],
                    expiry_year=d["expiry_year"],
                    cvv=d["cvv"],
                    render=payment_output,
                )
            except ApplicationError as e:
                error = services.card_error_message(e.code, e.message)
            else:
                if result.status == 200:
                    messages.success(
                        request, _("Payment received. Your receipt number is %(reference)s.") % {"reference": payment.reference}
                    )
                    return redirect(_request_url(payment) or reverse("payments:receipt", kwargs={"pk": payment.pk}))
                error = services.card_error_message(result.body["error"]["code"], result.body["error"]["message"])
                if result.body["error"]["code"] == "ALREADY_PAID":
                    messages.info(request, error)
                    return redirect("payments:receipt", pk=payment.pk)
            payment.refresh_from_db()
            # The charge was attempted (declined, expired...): a fresh key for the next attempt.
            form = CardForm(initial={"idempotency_key": uuid.uuid4().hex})
    else:
        form = CardForm(initial={"idempotency_key": uuid.uuid4().hex})
    payable = PAYMENT.can(payment, "pay") and payment.due_at > timezone.now()
    return render(
        request,
        "payments/checkout.html",
        {
            "payment": payment,
            "form": form,
            "error": error,
            "payable": payable,
            "card_enabled": card_gateway() is not None,
            "sandboxes": settings.SANDBOXES_ENABLED,
            "request_url": _request_url(payment),
            "sandbox_declined": settings.PAYMENT_SANDBOX_DECLINED_CARDS[0] if settings.PAYMENT_SANDBOX_DECLINED_CARDS else "",
        },
    )


def _paid_or_404(request, pk) -> Payment:
    payment = selectors.payment_get_for_person(person=request.person, payment_id=pk)
    if not payment_has_receipt(payment):
        raise Http404
    return payment


@person_required
def receipt(request, pk):
    payment = _paid_or_404(request, pk)
    return render(request, "payments/receipt.html", {"payment": payment, "request_url": _request_url(payment)})


@person_required
def receipt_pdf(request, pk):
    payment = _paid_or_404(request, pk)
    response = HttpResponse(receipt_pdf_bytes(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{payment.reference}.pdf"'
    return response


@person_required
@require_http_methods(["GET", "POST"])
def sadad_bank(request):
    """The sandbox bank: find one of your bills by its number and pay it. Paying calls the same
    function the bank's signed notification endpoint calls, with a body signed by the secret.
    A sandbox: it exists only while SANDBOXES_ENABLED is on."""
    if not settings.SANDBOXES_ENABLED:
        raise Http404
    payment = None
    form = BillLookupForm(request.POST or request.GET or None)
    if form.is_valid():
        try:
            payment = selectors.payment_get_by_bill_for_person(person=request.person, bill_number=form.cleaned_data["bill_number"])
        except Http404:
            form.add_error("bill_number", _("No bill of yours has this number."))
        else:
            if request.method == "POST" and request.POST.get("action") == "pay":
                body = json.dumps(
                    {
                        "bill_number": payment.bill_number,
                        "amount": f"{payment.amount:.2f}",
                        "paid_at": timezone.now().isoformat(),
                        "bank_reference": "SBX-" + uuid.uuid4().hex[:16].upper(),
                    }
                ).encode()
                try:
                    services.sadad_notification_receive(raw_body=body, signature=services.sadad_sign(raw_body=body))
                except ApplicationError as e:
                    messages.error(request, e.message)
                else:
                    messages.success(request, _("The bank paid bill %(bill)s.") % {"bill": payment.bill_number})
                    return redirect(_request_url(payment) or reverse("payments:receipt", kwargs={"pk": payment.pk}))
    return render(request, "payments/sadad_bank.html", {"form": form, "payment": payment})
