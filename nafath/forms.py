from django import forms
from django.utils.translation import gettext_lazy as _

from core.idnumbers import normalize_id_number


class IdNumberField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        normalized = normalize_id_number(value)
        if normalized is None:
            raise forms.ValidationError(_("Enter a valid ID number: 10 digits starting with 1 or 2."), code="invalid")
        return normalized


class LoginForm(forms.Form):
    id_number = IdNumberField(
        label=_("National ID or iqama number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "username", "dir": "ltr", "data-testid": "id-number", "autofocus": True}
        ),
    )


class AppSignInForm(forms.Form):
    id_number = IdNumberField(
        label=_("ID number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "data-testid": "app-id-number"}),
    )
    pin = forms.CharField(
        label=_("Device PIN"),
        max_length=12,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "dir": "ltr", "data-testid": "app-pin", "autocomplete": "current-password"}
        ),
    )
