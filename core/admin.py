from django.contrib import admin

from core.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "person", "officer", "object_type", "object_id", "from_status", "to_status", "ip")
    list_filter = ("action",)
    search_fields = ("action", "object_id", "person__id_number", "person__name_ar", "person__name_en")
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
