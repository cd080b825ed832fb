from django.contrib import admin

from core.admin_scale import ScaledAdmin
from notifications.models import Delivery, Notification, SmsOutbox


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = readonly_fields = ("channel", "to", "language", "status", "attempts", "sent_at", "last_error")


@admin.register(Notification)
class NotificationAdmin(ScaledAdmin):
    list_display = ("person", "kind", "title_en", "created_at", "read_at")
    list_select_related = ("person",)
    list_filter = ("kind",)
    search_fields = ("person__id_number", "person__name_ar", "person__name_en", "title_en", "title_ar")
    readonly_fields = [f.name for f in Notification._meta.fields]
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ScaledAdmin):
    list_display = ("notification", "channel", "to", "status", "attempts", "sent_at")
    list_select_related = ("notification__person",)
    list_filter = ("channel", "status")
    search_fields = ("to", "notification__person__id_number")
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SmsOutbox)
class SmsOutboxAdmin(ScaledAdmin):
    """The sandbox SMS gateway's outbox, for officers."""

    list_display = ("created_at", "to", "language", "body")
    search_fields = ("to", "body")
    list_filter = ("language",)
    readonly_fields = [f.name for f in SmsOutbox._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
