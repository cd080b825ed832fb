from django import forms
from django.utils.translation import gettext_lazy as _


class PhotoUploadForm(forms.Form):
    photo = forms.FileField(label=_("Your photo (JPEG or PNG)"))
    # Set by the page's camera: where the photo came from and when it was taken.
    source = forms.ChoiceField(choices=[("UPLOAD", "UPLOAD"), ("CAMERA", "CAMERA")], required=False, widget=forms.HiddenInput)
    captured_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)


class DeliveryForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How do you want to receive the card?"),
        widget=forms.RadioSelect,
        choices=[("POST", _("Postal delivery to my national address")), ("PICKUP", _("Pickup at a civil affairs office (free)"))],
    )
    address_id = forms.TypedChoiceField(label=_("National address"), required=False, coerce=int, empty_value=None)
    office_id = forms.TypedChoiceField(label=_("Office"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, addresses=(), offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        deliverable = [a for a in addresses if a.deliverable]
        self.deliverable_addresses = deliverable
        # Only deliverable addresses, in the active language. One of them: it is chosen already
        # (no empty choice to fall on); several: the primary one (addresses come primary first).
        choices = [(a.pk, a.label) for a in deliverable]
        self.fields["address_id"].choices = choices if len(deliverable) == 1 else [("", "—"), *choices]
        if deliverable:
            self.fields["address_id"].initial = deliverable[0].pk
        self.fields["office_id"].choices = [("", "—")] + [(o.pk, f"{o.name} — {o.city}") for o in offices]

    def clean(self):
        data = super().clean()
        if data.get("method") == "POST" and not self.deliverable_addresses:
            self.add_error("method", _("None of your national addresses is inside postal coverage: choose pickup at an office."))
        elif data.get("method") == "POST" and not data.get("address_id"):
            self.add_error("address_id", _("Choose an address."))
        if data.get("method") == "PICKUP" and not data.get("office_id"):
            self.add_error("office_id", _("Choose an office."))
        return data


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve and issue the card")), ("reject", _("Reject"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason (shown to the citizen)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the rejection; the citizen will see it."))
        return data
