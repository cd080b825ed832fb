"""The officers' review queue for ID renewals. Decisions go through the review page (services
with an optimistic version); what a request may do next is asked of the flow's table."""

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civil_affairs import services
from civil_affairs.flow import ID_RENEWAL, card_next_action
from civil_affairs.forms import ReviewDecisionForm
from civil_affairs.models import IdRenewal, IdRenewalEvent
from core.admin_scale import ScaledAdmin
from core.errors import ApplicationError

PERSON_SEARCH = ("person__id_number", "person__name_ar", "person__name_en")


class AgeFilter(admin.SimpleListFilter):
    """How long the request has been in its current status."""

    title = _("time in status")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("1d", _("less than a day")), ("3d", _("1 to 3 days")), ("old", _("more than 3 days"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "1d":
            return queryset.filter(status_changed_at__gte=now - dt.timedelta(days=1))
        if self.value() == "3d":
            return queryset.filter(status_changed_at__lt=now - dt.timedelta(days=1), status_changed_at__gte=now - dt.timedelta(days=3))
        if self.value() == "old":
            return queryset.filter(status_changed_at__lt=now - dt.timedelta(days=3))
        return queryset


class FaceDecisionFilter(admin.SimpleListFilter):
    """The face match's result by name; "not compared" for requests without one (the plain
    field filter showed that as a link with no text)."""

    title = _("face match")
    parameter_name = "face_decision"

    def lookups(self, request, model_admin):
        return [("MATCH", _("match")), ("REVIEW", _("needs an officer")), ("NO_MATCH", _("no match")), ("none", _("not compared"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(face_decision="")
        if self.value():
            return queryset.filter(face_decision=self.value())
        return queryset


class IdRenewalEventInline(admin.TabularInline):
    model = IdRenewalEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "action", "from_status", "to_status", "note", "officer")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IdRenewal)
class IdRenewalAdmin(ScaledAdmin):
    """The review queue. Decisions go through the review page (services with an optimistic version),
    never through a plain model form."""

    list_display = ("reference", "person", "status", "face_decision", "face_distance", "status_changed_at", "review_link")
    list_filter = ("status", AgeFilter, FaceDecisionFilter, "check_status", "delivery_method")
    search_fields = ("reference", *PERSON_SEARCH)
    id_number_fields = ("person__id_number",)
    exact_fields = ("reference",)
    name_fields = ("person__name_ar", "person__name_en")
    ordering = ("status_changed_at",)
    sortable_by = ("reference", "status", "face_decision", "status_changed_at")  # indexed (civil_affairs migration 0003)
    list_select_related = ("person",)
    inlines = [IdRenewalEventInline]
    change_form_template = None

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("review"))
    def review_link(self, obj):
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:civil_affairs_idrenewal_review", args=[obj.pk]),
            gettext("Review and decide"),
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in ("photo_encoding",)]

    def get_fields(self, request, obj=None):
        return [
            "reference",
            "person",
            "status",
            "version",
            "check_status",
            "check_reasons",
            "photo_flags",
            "photo_source",
            "photo_captured_at",
            "check_metrics",
            "face_decision",
            "face_distance",
            "match_tolerance",
            "reject_tolerance",
            "face_model",
            "delivery_method",
            "address",
            "office",
            "payment",
            "new_card",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_at",
            "status_changed_at",
        ]

    def get_urls(self):
        return [
            path("<int:pk>/review/", self.admin_site.admin_view(self.review_view), name="civil_affairs_idrenewal_review"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {}, review_url=reverse("admin:civil_affairs_idrenewal_review", args=[object_id]))
        return super().change_view(request, object_id, form_url, extra_context)

    def review_view(self, request, pk):
        renewal = get_object_or_404(IdRenewal.objects.select_related("person", "payment", "new_card"), pk=pk)
        if not self.has_view_permission(request, renewal):
            raise PermissionDenied
        if request.method == "POST" and not self.has_change_permission(request, renewal):
            raise PermissionDenied
        form = ReviewDecisionForm(request.POST or None, initial={"version": renewal.version})
        if request.method == "POST" and request.POST.get("advance"):
            try:
                services.renewal_card_advance(renewal_id=renewal.pk, officer=request.user, expected_status=request.POST.get("advance"))
                messages.success(request, gettext("The card moved on."))
            except ApplicationError as exc:
                messages.error(request, exc.message)
            return redirect("admin:civil_affairs_idrenewal_review", pk=renewal.pk)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                if d["decision"] == "approve":
                    services.renewal_approve(renewal_id=renewal.pk, officer=request.user, expected_version=d["version"])
                    messages.success(request, gettext("Approved: the new card is issued."))
                else:
                    services.renewal_reject(renewal_id=renewal.pk, officer=request.user, reason=d["reason"], expected_version=d["version"])
                    messages.success(request, gettext("Rejected: the citizen sees the reason and any payment is refunded."))
                return redirect("admin:civil_affairs_idrenewal_review", pk=renewal.pk)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
        person = renewal.person
        context = dict(
            self.admin_site.each_context(request),
            title=gettext("Review %(reference)s") % {"reference": renewal.reference},
            renewal=renewal,
            person=person,
            form=form,
            opts=self.model._meta,
            reasons=[
                {"code": r.get("code"), "message": services.reason_message(r.get("code", ""), r.get("message", ""))}
                for r in renewal.check_reasons
            ],
            metrics=sorted((renewal.check_metrics or {}).items()),
            flags=[{"code": f, "message": services.flag_message(f)} for f in renewal.photo_flags or []],
            can_decide=ID_RENEWAL.can(renewal, "approve") and self.has_change_permission(request, renewal),
            can_advance=card_next_action(renewal) is not None and self.has_change_permission(request, renewal),
            has_photo_on_file=bool(person.photo),
        )
        return TemplateResponse(request, "civil_affairs/admin/review.html", context, status=400 if form.errors else 200)
