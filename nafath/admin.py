from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from oauth2_provider.admin import ApplicationAdmin

from core.admin_scale import DistinctValuesFilter, ScaledAdmin
from core.errors import ApplicationError
from nafath import services
from nafath.models import Device, DeviceActivation, NafathRequest, RelyingParty


@admin.register(Device)
class DeviceAdmin(ScaledAdmin):
    """Officers approve a pending device (a selfie under review, or no photo on file) or revoke one."""

    list_display = (
        "person",
        "label",
        "status",
        "face_decision",
        "created_at",
        "activated_at",
        "last_seen_at",
        "locked_until",
        "revoked_at",
    )
    list_filter = ("status", ("face_decision", DistinctValuesFilter), ("revoked_reason", DistinctValuesFilter))
    search_fields = ("person__id_number", "person__name_ar", "person__name_en")
    id_number_fields = ("person__id_number",)
    name_fields = ("person__name_ar", "person__name_en")
    list_select_related = ("person",)
    readonly_fields = (
        "person",
        "token_digest",
        "pin_hash",
        "status",
        "created_at",
        "activated_at",
        "last_seen_at",
        "revoked_at",
        "revoked_reason",
        "pin_failures",
        "locked_until",
        "face_decision",
        "face_distance",
        "selfie_preview",
    )
    exclude = ("selfie",)
    actions = ("approve", "revoke")

    @admin.display(description=_("selfie"))
    def selfie_preview(self, obj):
        if not obj.selfie:
            return "—"
        url = reverse("nafath:device_selfie", args=[obj.pk])
        return format_html('<img src="{}" alt="" style="max-inline-size: 240px; border-radius: 8px">', url)

    def has_add_permission(self, request):
        return False

    # Deciding on a device needs the change permission: an officer who may only view the list
    # (view_device) sees neither action, and a forged POST of one is refused by the admin.
    @admin.action(description=_("Approve the selected pending devices"), permissions=["change"])
    def approve(self, request, queryset):
        done = 0
        for device in queryset.filter(status=Device.Status.PENDING):
            try:
                services.device_approve(device_id=device.pk, officer=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        self.message_user(request, _("%(n)d device(s) approved.") % {"n": done})

    @admin.action(description=_("Revoke the selected devices"), permissions=["change"])
    def revoke(self, request, queryset):
        n = 0
        for device in queryset.exclude(status=Device.Status.REVOKED):
            services.device_revoke(
                person=None, device_id=device.pk, reason="officer", officer=request.user, ip=request.META.get("REMOTE_ADDR", "")
            )
            n += 1
        self.message_user(request, _("%(n)d device(s) revoked.") % {"n": n})


@admin.register(DeviceActivation)
class DeviceActivationAdmin(ScaledAdmin):
    """Read-only: activations change only through the activation services."""

    list_display = ("id_number", "person", "status", "code_tries", "selfie_tries", "failure_reason", "created_at", "client_ip")
    list_filter = ("status", ("failure_reason", DistinctValuesFilter))
    search_fields = ("id_number",)
    id_number_fields = ("id_number",)
    list_select_related = ("person",)
    exclude = ("code_digest",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NafathRequest)
class NafathRequestAdmin(ScaledAdmin):
    """Read-only: requests change only through the login services."""

    list_display = (
        "transaction_id",
        "id_number",
        "person",
        "status",
        "channel",
        "service",
        "created_at",
        "expires_at",
        "answered_at",
        "client_ip",
    )
    # A date range filter rather than date_hierarchy (which groups every row by year and month: a
    # pass over millions of requests on each page); the range uses the created_at index.
    list_filter = ("status", "channel", ("answer_reason", DistinctValuesFilter), ("created_at", admin.DateFieldListFilter))
    search_fields = ("id_number", "transaction_id")
    id_number_fields = ("id_number",)
    exact_fields = ("transaction_id",)
    list_select_related = ("person",)
    sortable_by = ("status", "channel", "created_at")  # indexed (nafath migration 0004)
    exclude = ("web_nonce_digest", "web_session_key")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RelyingPartyInline(admin.StackedInline):
    model = RelyingParty
    can_delete = False
    min_num = 1
    max_num = 1
    fields = ("name_ar", "name_en", "allowed_scopes")


class RelyingPartyApplicationAdmin(ApplicationAdmin):
    """Officers register a relying party: django-oauth-toolkit's application (client id, secret —
    copy it before saving, it is stored hashed —, redirect URIs, post-logout URIs, RS256) with the
    names shown to people in both languages and the scopes it may ask for."""

    inlines = [RelyingPartyInline]
    list_display = ("name", "relying_party_name_ar", "client_id", "client_type", "authorization_grant_type", "algorithm")

    @admin.display(description=_("name (Arabic)"))
    def relying_party_name_ar(self, obj):
        rp = getattr(obj, "relying_party", None)
        return rp.name_ar if rp else ""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("client_type", "confidential")
        initial.setdefault("authorization_grant_type", "authorization-code")
        initial.setdefault("algorithm", "RS256")
        return initial
