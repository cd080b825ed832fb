from django import forms
from django.utils.translation import gettext_lazy as _


class RenewalConfirmForm(forms.Form):
    """The review form. `token` is generated when the page is drawn; the request stores it under a
    unique constraint, so the same form submitted twice (two tabs, a double click) makes one request."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)
    confirm = forms.BooleanField(label=_("I confirm that the data above is correct and I agree to pay the total."))


class DecisionForm(forms.Form):
    DECISIONS = [("approve", _("Approve")), ("reject", _("Reject and refund"))]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class MedicalResultForm(forms.Form):
    """The sandbox medical centre's form: which dependent, and the result."""

    dependent = forms.TypedChoiceField(label=_("Dependent"), coerce=int)
    result = forms.ChoiceField(label=_("Result"), choices=[("PASSED", _("Passed")), ("FAILED", _("Failed"))], widget=forms.RadioSelect)
    centre = forms.CharField(label=_("Medical centre"), max_length=200, initial=_("Sandbox medical centre, Riyadh"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dependent"].choices = [(m.pk, f"{m.person.name} — {m.person.id_number}") for m in members]
