from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext_lazy as _

from core.admin_scale import DistinctValuesFilter, ScaledAdmin
from core.errors import ApplicationError
from payments.flow import PAYMENT
from payments.models import Payment, PaymentEvent, PaymentItem, SadadNotification
from payments.services import payment_refund


class ItemInline(admin.TabularInline):
    model = PaymentItem
    extra = 0
    can_delete = False
    readonly_fields = ("code", "kind", "description_ar", "description_en", "amount", "settles_type", "settles_id")

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    """The payment's history: every move of the flow and every event around it (notifications, hand-overs)."""

    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "action", "from_status", "to_status", "note", "officer", "data")

    def has_add_permission(self, request, obj=None):
        return False


class SadadInline(admin.TabularInline):
    model = SadadNotification
    extra = 0
    can_delete = False
    readonly_fields = ("bank_reference", "amount", "paid_at", "received_at")
    exclude = ("raw_body", "bill_number")

    def has_add_permission(self, request, obj=None):
        return False


class RefundActionForm(ActionForm):
    reason = forms.CharField(label=_("Refund reason"), required=False, max_length=300)


@admin.register(Payment)
class PaymentAdmin(ScaledAdmin):
    list_display = ("reference", "person", "purpose", "amount", "status", "method", "bill_number", "created_at", "paid_at")
    list_filter = ("status", "method", ("purpose", DistinctValuesFilter))
    search_fields = ("reference", "bill_number", "person__id_number", "person__name_ar", "person__name_en")
    id_number_fields = ("person__id_number",)
    exact_fields = ("reference", "bill_number", "bank_reference")
    name_fields = ("person__name_ar", "person__name_en")
    list_select_related = ("person",)
    sortable_by = ("reference", "status", "method", "purpose", "created_at")  # indexed (payments migration 0002)
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [ItemInline, SadadInline, EventInline]
    action_form = RefundActionForm
    actions = ["refund"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Refund the selected paid payments"), permissions=["change"])
    def refund(self, request, queryset):
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(request, _("Write the refund reason in the box next to the action."), messages.ERROR)
            return
        done, refused = 0, []
        for payment in queryset:
            try:
                refundable = PAYMENT.can(payment, "refund")
                payment_refund(payment_id=payment.pk, reason=reason, officer=request.user)
                done += refundable
            except ApplicationError:
                refused.append(payment.reference)
        if done:
            self.message_user(request, _("%(n)d payment(s) refunded; the people are notified.") % {"n": done}, messages.SUCCESS)
        if refused:
            self.message_user(request, _("Not refunded (not paid): %(refs)s") % {"refs": ", ".join(refused)}, messages.WARNING)
