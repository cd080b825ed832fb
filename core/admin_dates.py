"""Dates in the officers' admin in both calendars, like the rest of the portal.

The admin shows a model's date and date-time fields (change lists and read-only fields) through
django.contrib.admin.utils.display_for_field, which writes the Gregorian date in the active
locale's format. `install()` (called once from CoreConfig.ready) wraps it so dates read
`1448/06/02 AH — 2026/11/22` and date-times add the local time `14:05`; everything else is
left to Django. Edit widgets (date inputs) stay Gregorian: they take what they show."""

from django.db import models
from django.utils import timezone

from core.dates import dual_date

_installed = False


def dual_display(value, field, empty_value_display, avoid_link=False, *, _original):
    if value not in (None, "") and not getattr(field, "flatchoices", None):
        if isinstance(field, models.DateTimeField):
            local = timezone.template_localtime(value)
            return f"{dual_date(local)} {local:%H:%M}"
        if isinstance(field, models.DateField):
            return dual_date(value)
    return _original(value, field, empty_value_display, avoid_link)


def install() -> None:
    global _installed
    if _installed:
        return
    from django.contrib.admin import helpers, utils  # noqa: PLC0415 - the admin is loaded by now
    from django.contrib.admin.templatetags import admin_list  # noqa: PLC0415

    original = utils.display_for_field

    def display_for_field(value, field, empty_value_display, avoid_link=False):
        return dual_display(value, field, empty_value_display, avoid_link, _original=original)

    for module in (utils, helpers, admin_list):
        module.display_for_field = display_for_field
    _installed = True
