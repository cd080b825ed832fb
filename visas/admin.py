"""Officers: visas (searchable by visa number and ID number, with the history), applications,
extensions, border crossings, and the waiver of a lapsed visa's fine (with a reason, audited)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_scale import ScaledAdmin
from core.errors import ApplicationError
from visas import services
from visas.forms import WaiveFineForm
from visas.models import BorderCrossing, Visa, VisaApplication, VisaEvent, VisaExtension


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VisaEventInline(ReadOnlyInline):
    model = VisaEvent
    fields = ("at", "action", "from_status", "to_status", "note", "officer")
    readonly_fields = fields


class VisaExtensionInline(ReadOnlyInline):
    model = VisaExtension
    fields = ("months", "fee", "valid_until_before", "valid_until_after", "status", "payment", "created_at")
    readonly_fields = fields


class BorderCrossingInline(ReadOnlyInline):
    model = BorderCrossing
    fields = ("at", "direction", "port", "recorded_by")
    readonly_fields = fields


def fine_waivable(visa: Visa) -> bool:
    return bool(visa.fine_id and visa.fine.paid_at is None)


@admin.register(Visa)
class VisaAdmin(ScaledAdmin):
    list_display = ("number", "person", "type", "months", "status", "use_by", "valid_until", "fine", "waive_link")
    list_filter = ("status", "type")
    search_fields = ("number", "person__id_number", "application__reference", "application__applicant__id_number")
    list_select_related = ("person", "fine")
    readonly_fields = (
        "number",
        "application",
        "person",
        "type",
        "months",
        "status",
        "fee",
        "extension_fees",
        "issued_at",
        "use_by",
        "valid_until",
        "lapse_warned_at",
        "fine",
        "fine_waived_at",
        "fine_waived_by",
        "fine_waive_reason",
        "created_at",
        "updated_at",
        "version",
    )
    fields = readonly_fields
    inlines = [VisaEventInline, VisaExtensionInline, BorderCrossingInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("fine"))
    def waive_link(self, obj):
        if not fine_waivable(obj):
            return "—"
        return format_html('<a class="button" href="{}">{}</a>', reverse("admin:visas_visa_waive_fine", args=[obj.pk]), _("Waive the fine"))

    def get_urls(self):
        return [
            path("<int:pk>/waive-fine/", self.admin_site.admin_view(self.waive_view), name="visas_visa_waive_fine"),
            *super().get_urls(),
        ]

    def waive_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        visa = get_object_or_404(Visa.objects.select_related("person", "fine"), pk=pk)
        form = WaiveFineForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.visa_fine_waive(visa_id=visa.pk, officer=request.user, reason=form.cleaned_data["reason"])
            except ApplicationError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, _("The fine is waived."))
            return redirect(reverse("admin:visas_visa_change", args=[visa.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "visa": visa,
            "form": form,
            "waivable": fine_waivable(visa),
            "title": _("Waive the fine of visa %(number)s") % {"number": visa.number},
        }
        return render(request, "visas/admin_waive.html", context)


@admin.register(VisaApplication)
class VisaApplicationAdmin(ScaledAdmin):
    list_display = ("reference", "applicant", "payment", "created_at")
    list_select_related = ("applicant", "payment")
    search_fields = ("reference", "applicant__id_number", "visas__number", "visas__person__id_number")
    readonly_fields = ("reference", "applicant", "payment", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BorderCrossing)
class BorderCrossingAdmin(ScaledAdmin):
    list_display = ("at", "person", "direction", "visa", "port", "recorded_by")
    list_select_related = ("person", "visa__person", "visa__application", "recorded_by")
    list_filter = ("direction",)
    search_fields = ("person__id_number", "visa__number")
    readonly_fields = ("at", "person", "direction", "visa", "port", "recorded_by")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
