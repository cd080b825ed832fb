import datetime as dt

import pytest

from core import dates
from core.idnumbers import id_kind, normalize_id_number, normalize_mobile


@pytest.mark.parametrize(
    "value",
    [
        "1000000008",
        "1012345672",
        "1098765439",
        "1122334459",
        "2000000006",
        "2012345670",
        "2123456788",
        "2345678904",
        "١٠٠٠٠٠٠٠٠٨",
        " 1000000008 ",
    ],
)
def test_valid_id_numbers(value):
    assert normalize_id_number(value) is not None


@pytest.mark.parametrize("value", ["1071724369", "3000000004", "100000000", "10000000088", "abcdefghij", "", None, "1000000009"])
def test_invalid_id_numbers(value):
    assert normalize_id_number(value) is None


def test_eastern_digits_normalised_and_kind():
    assert normalize_id_number("٢٠٠٠٠٠٠٠٠٦") == "2000000006"
    assert id_kind("1000000008") == "citizen"
    assert id_kind("2000000006") == "resident"


def test_mobiles():
    assert normalize_mobile("+966512345678") == "0512345678"
    assert normalize_mobile("٠٥١٢٣٤٥٦٧٨") == "0512345678"
    assert normalize_mobile("0612345678") is None


def test_hijri_dates():
    # Umm al-Qura (hijridate): 1 Jumada II 1448 = 2026-11-11. API.md's example "1448-06-02"
    # and DOMAIN.md's "1448/06/11" disagree with each other and with the calendar.
    assert dates.hijri_iso(dt.date(2026, 11, 11)) == "1448-06-01"
    assert dates.hijri_iso(dt.date(2026, 11, 22)) == "1448-06-12"
    assert dates.api_date(dt.date(2026, 11, 22)) == {"gregorian": "2026-11-22", "hijri": "1448-06-12"}
    from django.utils import translation

    with translation.override("ar"):
        assert dates.dual_date(dt.date(2026, 11, 22)) == "1448/06/12 هـ — 2026/11/22"
    assert dates.hijri_iso(dt.date(2100, 1, 1)) is None  # outside Umm al-Qura's table


def test_add_months_clamps():
    assert dates.add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert dates.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert dates.add_months(dt.date(2026, 5, 15), 12) == dt.date(2027, 5, 15)
