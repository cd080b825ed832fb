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


class ActivationStartForm(forms.Form):
    id_number = IdNumberField(
        label=_("National ID or iqama number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "dir": "ltr", "data-testid": "activate-id-number", "autocomplete": "username"}
        ),
    )


class ActivationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code we sent by SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "dir": "ltr", "data-testid": "activate-code", "autocomplete": "one-time-code"}
        ),
    )


class ActivationFinishForm(forms.Form):
    label = forms.CharField(label=_("Name of this device"), max_length=100, initial="Nafath app", required=False)
    pin = forms.CharField(
        label=_("Choose a PIN"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "dir": "ltr", "data-testid": "activate-pin", "autocomplete": "new-password"}
        ),
    )
    pin_again = forms.CharField(
        label=_("The same PIN again"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "dir": "ltr", "data-testid": "activate-pin-again", "autocomplete": "new-password"}
        ),
    )
    selfie = forms.ImageField(
        label=_("A selfie"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "user", "data-testid": "activate-selfie"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("pin") and data.get("pin_again") and data["pin"] != data["pin_again"]:
            self.add_error("pin_again", _("The two PINs are not the same."))
        return data
