from django.contrib import admin

from passports.models import FamilyMember, HealthInsurance, Iqama, MedicalExam, Passport

PERSON_SEARCH = ("person__id_number", "person__name_ar", "person__name_en")


@admin.register(Iqama)
class IqamaAdmin(admin.ModelAdmin):
    list_display = ("person", "issue_date", "expiry_date", "late_renewal_count")
    search_fields = PERSON_SEARCH
    autocomplete_fields = ("person",)


@admin.register(Passport)
class PassportAdmin(admin.ModelAdmin):
    list_display = ("number", "person", "issuing_country", "expiry_date", "current")
    search_fields = ("number",) + PERSON_SEARCH
    autocomplete_fields = ("person",)


@admin.register(FamilyMember)
class FamilyMemberAdmin(admin.ModelAdmin):
    list_display = ("person", "head", "relation", "is_first_wife")
    list_filter = ("relation",)
    search_fields = PERSON_SEARCH + ("head__id_number", "head__name_ar", "head__name_en")
    autocomplete_fields = ("person", "head")


@admin.register(HealthInsurance)
class HealthInsuranceAdmin(admin.ModelAdmin):
    list_display = ("person", "provider", "policy_number", "expiry_date")
    search_fields = ("policy_number",) + PERSON_SEARCH
    autocomplete_fields = ("person",)


@admin.register(MedicalExam)
class MedicalExamAdmin(admin.ModelAdmin):
    list_display = ("person", "result", "exam_date", "centre")
    list_filter = ("result",)
    search_fields = PERSON_SEARCH
    autocomplete_fields = ("person",)
