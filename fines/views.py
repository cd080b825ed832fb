"""The outstanding fines page: pick what to pay, get one bill."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.auth import person_required
from core.errors import ApplicationError
from fines import selectors, services


@person_required
@require_http_methods(["GET", "POST"])
def outstanding(request):
    rows = selectors.outstanding_for_person(person=request.person)
    error = None
    if request.method == "POST":
        selection = []
        for value in request.POST.getlist("item"):
            kind, _sep, pk = value.partition(":")
            if kind in selectors.KIND_OF_TYPE and pk.isdigit():
                selection.append((kind, int(pk)))
        try:
            payment = services.outstanding_payment_create(person=request.person, selection=selection)
        except ApplicationError as e:
            error = e.message
        else:
            return redirect("payments:checkout", pk=payment.pk)
    total = sum((r.obj.amount for r in rows), start=0)
    return render(request, "fines/outstanding.html", {"rows": rows, "total": total, "error": error}, status=400 if error else 200)
