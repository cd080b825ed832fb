"""Saudi ID numbers: 10 digits, 1 = citizen, 2 = resident, last digit a Luhn check."""

import re

EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ID_RE = re.compile(r"^[12]\d{9}$")
_MOBILE_RE = re.compile(r"^05\d{8}$")


def normalize_digits(value: str) -> str:
    """Eastern Arabic (and Persian) digits to ASCII, surrounding spaces removed."""
    return (value or "").translate(EASTERN_DIGITS).strip().replace(" ", "")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_check_digit(first_nine: str) -> str:
    for d in "0123456789":
        if luhn_valid(first_nine + d):
            return d
    raise ValueError(first_nine)


def normalize_id_number(value) -> str | None:
    """The ASCII ID number, or None when the format or the check digit is wrong."""
    v = normalize_digits(str(value or ""))
    if not _ID_RE.match(v) or not luhn_valid(v):
        return None
    return v


def id_kind(id_number: str) -> str:
    return "citizen" if id_number.startswith("1") else "resident"


def normalize_mobile(value) -> str | None:
    """`05XXXXXXXX` from either the local or the `+9665XXXXXXXX` form."""
    v = normalize_digits(str(value or "")).replace("-", "")
    if v.startswith("+966"):
        v = "0" + v[4:]
    elif v.startswith("00966"):
        v = "0" + v[5:]
    return v if _MOBILE_RE.match(v) else None


def mobile_international(local: str) -> str:
    return "+966" + local[1:]
