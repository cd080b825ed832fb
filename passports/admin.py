"""Family iqama renewal: the officers' review queue. Which requests can be decided is the flow's
table (passports.flow.IQAMA_RENEWAL), never a list of statuses here."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_scale import ScaledAdmin
from core.errors import ApplicationError
from passports import services
from passports.flow import IQAMA_RENEWAL
from passports.forms import DecisionForm
from passports.models import IqamaRenewal, IqamaRenewalEvent, IqamaRenewalItem
from passports.services.eligibility import check_from_json

DECISIONS = {"approve": services.renewal_approve, "reject": services.renewal_reject}


def can_decide(renewal: IqamaRenewal) -> bool:
    return any(IQAMA_RENEWAL.can(renewal, action) for action in DECISIONS)


def _checks_html(checks):
    # failed checks, and those met only on an officer's review (proof of study, of single status)
    failed = [check_from_json(c) for c in checks if not c.get("passed") or c.get("review")]
    if not checks:
        return "—"
    if not failed:
        return _("all passed")
    return format_html_join("", "<div><code>{}</code> {}</div>", ((c.code, c.message) for c in failed))


class IqamaRenewalItemInline(admin.TabularInline):
    model = IqamaRenewalItem
    extra = 0
    can_delete = False
    fields = (
        "member",
        "months",
        "old_expiry",
        "new_expiry",
        "levy",
        "iqama_fee",
        "late_fine",
        "total",
        "late",
        "failed_at_submit",
        "failed_at_payment",
        "applied_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("failed at submit"))
    def failed_at_submit(self, obj):
        return _checks_html(obj.checks_at_submit)

    @admin.display(description=gettext_lazy("failed after payment"))
    def failed_at_payment(self, obj):
        return _checks_html(obj.checks_at_payment)


class IqamaRenewalEventInline(admin.TabularInline):
    model = IqamaRenewalEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "note", "officer")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IqamaRenewal)
class IqamaRenewalAdmin(ScaledAdmin):
    """The review queue: filter on UNDER_REVIEW; each request shows every dependent's checks and why it
    stopped; "Decide" approves or rejects with a reason (optimistic version, audited)."""

    list_display = ("reference", "head", "status", "created_at", "stop_reason", "decide_link")
    list_filter = ("status",)
    search_fields = ("reference", "head__id_number", "head__name_en", "head__name_ar")
    id_number_fields = ("head__id_number",)
    exact_fields = ("reference",)
    name_fields = ("head__name_ar", "head__name_en")
    list_select_related = ("head",)
    sortable_by = ("reference", "status", "created_at")  # indexed (passports migration 0002)
    readonly_fields = (
        "reference",
        "head",
        "status",
        "payment",
        "stop_reason",
        "decision_reason",
        "decided_by",
        "decided_at",
        "created_at",
        "updated_at",
        "version",
    )
    fields = readonly_fields
    inlines = [IqamaRenewalItemInline, IqamaRenewalEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("decision"))
    def decide_link(self, obj):
        if not can_decide(obj):
            return "—"
        return format_html('<a class="button" href="{}">{}</a>', reverse("admin:passports_iqamarenewal_decide", args=[obj.pk]), _("Decide"))

    def get_urls(self):
        return [
            path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="passports_iqamarenewal_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        renewal = get_object_or_404(IqamaRenewal.objects.select_related("head", "payment"), pk=pk)
        form = DecisionForm(request.POST or None, initial={"version": renewal.version})
        if request.method == "POST" and form.is_valid():
            decide = DECISIONS[form.cleaned_data["decision"]]
            try:
                decide(
                    renewal_id=renewal.pk,
                    officer=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except ApplicationError as e:
                messages.error(request, e.message)
                return redirect(reverse("admin:passports_iqamarenewal_decide", args=[renewal.pk]))
            messages.success(request, _("Decision recorded."))
            return redirect(reverse("admin:passports_iqamarenewal_changelist") + "?status__exact=UNDER_REVIEW")
        items = [
            {"item": i, "checks": [check_from_json(c) for c in i.shown_checks]}
            for i in renewal.items.select_related("member__person", "member__person__iqama")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "renewal": renewal,
            "items": items,
            "form": form,
            "can_decide": can_decide(renewal),
            "title": _("Decide on %(reference)s") % {"reference": renewal.reference},
        }
        return render(request, "passports/admin_decide.html", context)
