from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.idnumbers import luhn_valid, normalize_digits


def clean_card_number(value: str) -> str:
    digits = normalize_digits(value).replace("-", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not luhn_valid(digits):
        raise forms.ValidationError(_("Enter a valid card number."), code="invalid_card_number")
    return digits


def clean_expiry(month: int, year: int) -> None:
    now = timezone.localdate()
    if year < 100:
        year += 2000
    if (year, month) < (now.year, now.month) or year > now.year + 20:
        raise forms.ValidationError(_("The card has expired or the expiry date is not valid."), code="card_expired")


def clean_cvv(value: str) -> str:
    digits = normalize_digits(value)
    if not digits.isdigit() or len(digits) not in (3, 4):
        raise forms.ValidationError(_("The CVV is the 3 or 4 digits on the back of the card."), code="invalid_cvv")
    return digits


class CardForm(forms.Form):
    """The sandbox mada form. The number and CVV are used for the charge and never stored."""

    card_number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number", "data-testid": "card-number", "dir": "ltr"}),
    )
    expiry_month = forms.IntegerField(
        label=_("Expiry month"),
        min_value=1,
        max_value=12,
        widget=forms.NumberInput(
            attrs={"autocomplete": "cc-exp-month", "data-testid": "card-expiry-month", "dir": "ltr", "placeholder": "MM"}
        ),
    )
    expiry_year = forms.IntegerField(
        label=_("Expiry year"),
        min_value=timezone.localdate().year - 1,
        max_value=2100,
        widget=forms.NumberInput(
            attrs={"autocomplete": "cc-exp-year", "data-testid": "card-expiry-year", "dir": "ltr", "placeholder": "YYYY"}
        ),
    )
    cvv = forms.CharField(
        label=_("CVV"),
        max_length=4,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "cc-csc", "data-testid": "card-cvv", "dir": "ltr"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_card_number(self):
        return clean_card_number(self.cleaned_data["card_number"])

    def clean_cvv(self):
        return clean_cvv(self.cleaned_data["cvv"])

    def clean(self):
        data = super().clean()
        if data.get("expiry_month") and data.get("expiry_year"):
            try:
                clean_expiry(data["expiry_month"], data["expiry_year"])
            except forms.ValidationError as e:
                self.add_error("expiry_year", e)
        return data


class BillLookupForm(forms.Form):
    bill_number = forms.CharField(
        label=_("SADAD bill number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "data-testid": "bank-bill-number"}),
    )

    def clean_bill_number(self):
        value = normalize_digits(self.cleaned_data["bill_number"])
        if not value.isdigit():
            raise forms.ValidationError(_("A bill number has digits only."))
        return value
