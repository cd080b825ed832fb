"""The visa's history writes each moment in both calendars with the local time."""

from django.urls import reverse
from django.utils import timezone

from core.dates import hijri_iso


def test_visa_history_dates_in_both_calendars(fam, issued, web_client_for):
    head, _wife = fam
    html = web_client_for(head).get(reverse("visas:detail", kwargs={"pk": issued.pk})).content.decode()
    history = html[html.index('data-testid="history"') :]
    at = timezone.localtime(issued.events.first().at)
    assert f"{hijri_iso(at.date()).replace('-', '/')} AH — {at:%Y/%m/%d %H:%M}" in history
