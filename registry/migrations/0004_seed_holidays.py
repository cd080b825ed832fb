"""Seed the ministry's calendar with the public holidays of 2026-2030 (Gregorian 1 Jan 2026 to
31 Dec 2030): Founding Day (22 February) and National Day (23 September), and the two Eids counted
on the Umm al-Qura calendar — Eid al-Fitr 1-4 Shawwal, Arafat Day and Eid al-Adha 9-12 Dhu al-Hijjah.
[U] The spans of the Eid holidays are chosen here (the government announces them each year; officers
correct the table in admin). Existing rows are left alone; reversing removes only rows this seeded."""

import datetime as dt

from django.db import migrations
from hijridate import Hijri

FIRST, LAST = dt.date(2026, 1, 1), dt.date(2030, 12, 31)


def _rows():
    rows = []
    for year in range(FIRST.year, LAST.year + 1):
        rows.append((dt.date(year, 2, 22), "يوم التأسيس", "Founding Day"))
        rows.append((dt.date(year, 9, 23), "اليوم الوطني", "National Day"))
    for hy in range(1447, 1453):
        for day in range(1, 5):
            g = Hijri(hy, 10, day).to_gregorian()
            rows.append((dt.date(g.year, g.month, g.day), "عطلة عيد الفطر", "Eid al-Fitr holiday"))
        for day in range(9, 13):
            g = Hijri(hy, 12, day).to_gregorian()
            rows.append((dt.date(g.year, g.month, g.day), "عطلة عيد الأضحى", "Eid al-Adha holiday"))
    return [r for r in rows if FIRST <= r[0] <= LAST]


def seed(apps, schema_editor):
    Holiday = apps.get_model("registry", "Holiday")
    for date, ar, en in _rows():
        Holiday.objects.get_or_create(date=date, defaults={"name_ar": ar, "name_en": en})


def unseed(apps, schema_editor):
    Holiday = apps.get_model("registry", "Holiday")
    for date, _ar, en in _rows():
        Holiday.objects.filter(date=date, name_en=en).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_holiday")]

    operations = [migrations.RunPython(seed, unseed)]
