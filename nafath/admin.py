from django.contrib import admin

from nafath.models import Device, NafathRequest


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("person", "label", "created_at", "last_seen_at", "revoked_at")
    search_fields = ("person__id_number", "person__name_ar", "person__name_en")
    readonly_fields = ("token_digest", "pin_hash", "created_at", "last_seen_at")


@admin.register(NafathRequest)
class NafathRequestAdmin(admin.ModelAdmin):
    """Read-only: requests change only through the login services."""

    list_display = ("transaction_id", "id_number", "person", "status", "channel", "created_at", "expires_at", "answered_at", "client_ip")
    list_filter = ("status", "channel", "answer_reason")
    search_fields = ("id_number",)
    date_hierarchy = "created_at"
    exclude = ("web_nonce_digest",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
