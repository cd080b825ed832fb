from django.contrib import admin

from core.admin_scale import DistinctValuesFilter, ScaledAdmin
from core.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(ScaledAdmin):
    list_display = ("at", "action", "person", "officer", "object_type", "object_id", "from_status", "to_status", "ip")
    list_filter = (("action", DistinctValuesFilter),)
    search_fields = ("action", "object_id", "person__id_number", "person__name_ar", "person__name_en")
    id_number_fields = ("person__id_number",)
    exact_fields = ("action", "object_id")
    name_fields = ("person__name_ar", "person__name_en")
    list_select_related = ("person", "officer")
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
