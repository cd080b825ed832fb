from django import forms
from django.utils.translation import gettext_lazy as _

from visas.models import BorderCrossing


class ConfirmForm(forms.Form):
    """The confirmation form. `token` is drawn with the page and stored as the application's unique
    idempotency key, so the same form submitted twice makes one application."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)
    confirm = forms.BooleanField(label=_("I confirm the travellers, types and periods above and agree to pay the total."))


class ExtendForm(forms.Form):
    months = forms.IntegerField(label=_("Extra months"), min_value=1)


class BorderForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Traveller"), coerce=int)
    direction = forms.ChoiceField(label=_("Crossing"), choices=BorderCrossing.Direction.choices, widget=forms.RadioSelect)
    port = forms.CharField(label=_("Border post"), max_length=100, required=False, initial=_("King Khalid International Airport, Riyadh"))

    def __init__(self, *args, travellers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, f"{p.name} — {p.id_number}") for p in travellers]


class WaiveFineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the waiver"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
