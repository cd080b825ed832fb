from django.contrib import admin

from nafath.models import Device


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("person", "label", "created_at", "last_seen_at", "revoked_at")
    search_fields = ("person__id_number", "person__name_ar", "person__name_en")
    readonly_fields = ("token_digest", "pin_hash", "created_at", "last_seen_at")
