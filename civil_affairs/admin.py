from django.contrib import admin

from civil_affairs.models import CivilAffairsFine, NationalIdCard, Office

PERSON_SEARCH = ("person__id_number", "person__name_ar", "person__name_en")


@admin.register(NationalIdCard)
class NationalIdCardAdmin(admin.ModelAdmin):
    list_display = ("person", "version", "issue_date", "expiry_date", "status")
    list_filter = ("status",)
    search_fields = PERSON_SEARCH
    autocomplete_fields = ("person",)


@admin.register(CivilAffairsFine)
class CivilAffairsFineAdmin(admin.ModelAdmin):
    list_display = ("reference", "person", "reason_en", "amount", "issued_on", "paid_at")
    list_filter = ("paid_at",)
    search_fields = ("reference",) + PERSON_SEARCH
    autocomplete_fields = ("person",)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_ar", "city_en", "active")
    search_fields = ("name_en", "name_ar", "city_en", "city_ar")
