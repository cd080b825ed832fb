from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("person", "kind", "title_en", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("person__id_number", "person__name_ar", "person__name_en", "title_en", "title_ar")
    readonly_fields = [f.name for f in Notification._meta.fields]
