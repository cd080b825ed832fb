"""Officers' view of the registry. Every edit is guarded by the row's `version` (an officer
who saved on a stale form is refused, the other officer's change stands) and recorded in the
audit log with who, when and which fields changed from what to what."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from core.admin_scale import DistinctValuesFilter, ScaledAdmin
from core.services import audit_log_write
from registry.models import (
    FamilyMember,
    Fine,
    HealthInsurance,
    Holiday,
    Iqama,
    MedicalExam,
    NationalAddress,
    NationalIdCard,
    Office,
    Passport,
    Person,
)

PERSON_SEARCH = ("person__id_number", "person__name_ar", "person__name_en")


class PersonSearch:
    """Search a row by its person: an ID number exactly, a name by the trigram indexes (core.admin_scale)."""

    id_number_fields = ("person__id_number",)
    name_fields = ("person__name_ar", "person__name_en")


class VersionedForm(forms.ModelForm):
    """Carries the version the officer saw; a save on an older version is refused."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        seen = data.get("seen_version")
        if self.instance.pk and seen is not None:
            current = type(self.instance).objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current is not None and current != seen:
                raise forms.ValidationError(
                    _("Another officer changed this record meanwhile. Reload the page and make your change again."),
                    code="STALE_VERSION",
                )
        return data


def _value(v):
    return v if isinstance(v, (int, float, bool, str)) or v is None else str(v)


class RegistryAdmin(ScaledAdmin):
    """Versioned, audited edits of a registry row, in changelists that stay fast on a million rows."""

    form = VersionedForm

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """An officer opening a person's record is audited (the person sees it in My activity)."""
        if request.method == "GET":
            obj = self.get_object(request, object_id)
            person = obj if isinstance(obj, Person) else getattr(obj, "person", None)
            if obj is not None and person is not None:
                audit_log_write(
                    action=f"registry.{obj._meta.model_name}.viewed",
                    person=person,
                    officer=request.user,
                    obj=obj,
                    ip=request.META.get("REMOTE_ADDR", ""),
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if change:
                changed = {
                    name: {"from": _value(form.initial.get(name)), "to": _value(form.cleaned_data.get(name))}
                    for name in form.changed_data
                    if name != "seen_version"
                }
                seen = form.cleaned_data.get("seen_version")
                # Compare-and-set on the version: a concurrent save between clean() and here loses.
                qs = type(obj).objects.filter(pk=obj.pk)
                if seen is not None:
                    qs = qs.filter(version=seen)
                if qs.update(version=F("version") + 1) != 1:
                    raise forms.ValidationError(_("Another officer changed this record meanwhile."))
                obj.version = (seen if seen is not None else obj.version) + 1
                super().save_model(request, obj, form, change)
            else:
                changed = {
                    name: {"from": None, "to": _value(form.cleaned_data.get(name))} for name in form.changed_data if name != "seen_version"
                }
                super().save_model(request, obj, form, change)
            audit_log_write(
                action=f"registry.{obj._meta.model_name}.{'changed' if change else 'added'}",
                person=obj if isinstance(obj, Person) else getattr(obj, "person", None),
                officer=request.user,
                obj=obj,
                ip=request.META.get("REMOTE_ADDR", ""),
                changed=changed,
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_log_write(
                action=f"registry.{obj._meta.model_name}.deleted",
                officer=request.user,
                obj=obj,
                person=obj if isinstance(obj, Person) else getattr(obj, "person", None),
                repr=str(obj),
            )
            super().delete_model(request, obj)


class AddressInline(admin.TabularInline):
    model = NationalAddress
    extra = 0


@admin.register(Person)
class PersonAdmin(RegistryAdmin):
    list_display = ("id_number", "name_ar", "name_en", "kind", "nationality", "mobile", "inside_kingdom", "reported_absent")
    list_filter = ("kind", "gender", ("nationality", DistinctValuesFilter), "inside_kingdom", "reported_absent", "fingerprint_on_file")
    search_fields = ("id_number", "name_ar", "name_en")
    id_number_fields = ("id_number",)
    name_fields = ("name_ar", "name_en")
    readonly_fields = ("photo", "photo_enrolled_at", "face_model", "created_at")
    inlines = [AddressInline]


@admin.register(NationalAddress)
class NationalAddressAdmin(PersonSearch, RegistryAdmin):
    list_display = ("short_address", "person", "city", "district", "postal_code", "deliverable")
    list_filter = ("deliverable", ("city", DistinctValuesFilter))
    exact_fields = ("short_address", "postal_code")
    search_fields = ("short_address", *PERSON_SEARCH)
    autocomplete_fields = ("person",)
    list_select_related = ("person",)


@admin.register(Office)
class OfficeAdmin(RegistryAdmin):
    list_display = ("name_en", "name_ar", "city_en", "active")
    search_fields = ("name_en", "name_ar", "city_en", "city_ar")


@admin.register(NationalIdCard)
class NationalIdCardAdmin(PersonSearch, RegistryAdmin):
    list_display = ("person", "card_version", "issue_date", "expiry_date", "status")
    list_filter = ("status",)
    search_fields = PERSON_SEARCH
    autocomplete_fields = ("person",)
    list_select_related = ("person",)


@admin.register(Iqama)
class IqamaAdmin(PersonSearch, RegistryAdmin):
    list_display = ("person", "issue_date", "expiry_date", "late_renewal_count")
    search_fields = PERSON_SEARCH
    autocomplete_fields = ("person",)
    list_select_related = ("person",)


@admin.register(Passport)
class PassportAdmin(PersonSearch, RegistryAdmin):
    list_display = ("number", "person", "issuing_country", "expiry_date", "current")
    exact_fields = ("number",)
    search_fields = ("number", *PERSON_SEARCH)
    autocomplete_fields = ("person",)
    list_select_related = ("person",)


@admin.register(FamilyMember)
class FamilyMemberAdmin(RegistryAdmin):
    list_display = ("person", "head", "relation", "is_first_wife")
    list_filter = ("relation",)
    search_fields = (*PERSON_SEARCH, "head__id_number", "head__name_ar", "head__name_en")
    id_number_fields = ("person__id_number", "head__id_number")
    name_fields = ("person__name_ar", "person__name_en", "head__name_ar", "head__name_en")
    autocomplete_fields = ("person", "head")
    list_select_related = ("person", "head")


@admin.register(HealthInsurance)
class HealthInsuranceAdmin(PersonSearch, RegistryAdmin):
    list_display = ("person", "provider", "policy_number", "expiry_date")
    exact_fields = ("policy_number",)
    search_fields = ("policy_number", *PERSON_SEARCH)
    autocomplete_fields = ("person",)
    list_select_related = ("person",)


@admin.register(MedicalExam)
class MedicalExamAdmin(PersonSearch, RegistryAdmin):
    list_display = ("person", "result", "exam_date", "centre")
    list_filter = ("result",)
    search_fields = PERSON_SEARCH
    autocomplete_fields = ("person",)
    list_select_related = ("person",)


@admin.register(Fine)
class FineAdmin(PersonSearch, RegistryAdmin):
    list_display = ("reference", "kind", "person", "description_en", "amount", "issued_on", "paid_at", "paid_by")
    exact_fields = ("reference",)
    list_filter = ("kind", ("paid_at", admin.EmptyFieldListFilter))
    search_fields = ("reference", *PERSON_SEARCH)
    autocomplete_fields = ("person",)
    list_select_related = ("person",)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The ministry's public holidays: the ID card's issuance skips them (with Fridays and Saturdays).
    Every addition, change and deletion is audited."""

    list_display = ("date", "name_ar", "name_en")
    date_hierarchy = "date"
    search_fields = ("name_ar", "name_en")

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_log_write(
                action=f"registry.holiday.{'changed' if change else 'added'}",
                officer=request.user,
                obj=obj,
                ip=request.META.get("REMOTE_ADDR", ""),
                changed={n: _value(form.cleaned_data.get(n)) for n in form.changed_data},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_log_write(action="registry.holiday.deleted", officer=request.user, obj=obj, repr=str(obj))
            super().delete_model(request, obj)
