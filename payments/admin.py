from django.contrib import admin

from payments.models import Payment, PaymentEvent, PaymentItem


class ItemInline(admin.TabularInline):
    model = PaymentItem
    extra = 0
    can_delete = False
    readonly_fields = ("code", "kind", "description_ar", "description_en", "amount", "settles_type", "settles_id")


class EventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "from_status", "to_status", "data")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("reference", "person", "purpose", "amount", "status", "method", "bill_number", "created_at", "paid_at")
    list_filter = ("status", "method", "purpose")
    search_fields = ("reference", "bill_number", "person__id_number", "person__name_ar", "person__name_en")
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [ItemInline, EventInline]

    def has_add_permission(self, request):
        return False
