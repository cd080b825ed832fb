from django.contrib import admin

from core.models import AuditLog, NationalAddress, Person, TrafficViolation

PERSON_SEARCH = ("id_number", "name_ar", "name_en")


class AddressInline(admin.TabularInline):
    model = NationalAddress
    extra = 0


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("id_number", "name_ar", "name_en", "kind", "nationality", "mobile", "inside_kingdom", "reported_absent")
    list_filter = ("kind", "gender", "nationality", "inside_kingdom", "reported_absent", "fingerprint_on_file")
    search_fields = PERSON_SEARCH
    readonly_fields = ("photo", "photo_enrolled_at", "face_model", "created_at")
    inlines = [AddressInline]


@admin.register(NationalAddress)
class NationalAddressAdmin(admin.ModelAdmin):
    list_display = ("short_address", "person", "city", "district", "postal_code", "deliverable")
    list_filter = ("deliverable", "city")
    search_fields = ("short_address", "person__id_number", "person__name_ar", "person__name_en")
    autocomplete_fields = ("person",)


@admin.register(TrafficViolation)
class TrafficViolationAdmin(admin.ModelAdmin):
    list_display = ("reference", "person", "description_en", "amount", "issued_on", "paid_at")
    list_filter = ("paid_at",)
    search_fields = ("reference", "person__id_number", "person__name_ar", "person__name_en")
    autocomplete_fields = ("person",)


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
