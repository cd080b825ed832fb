"""Registry rows carry their own Arabic and English texts; pick the one of the active language."""

from django.utils.translation import get_language


def localized(ar: str, en: str) -> str:
    return en if (get_language() or "ar").startswith("en") else ar
