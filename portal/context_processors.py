from django.conf import settings
from django.utils.translation import get_language, get_language_bidi

from notifications.selectors import notification_unread_count


def portal(request):
    person = getattr(request, "person", None)
    unread = 0
    if person is not None:
        unread = notification_unread_count(person=person)
    lang = get_language() or "ar"
    return {
        "person": person,
        # Sandbox pages exist only while SANDBOXES_ENABLED is on: links to them too.
        "sandboxes_enabled": settings.SANDBOXES_ENABLED,
        "unread_notifications": unread,
        "lang": lang,
        "dir": "rtl" if get_language_bidi() else "ltr",
        "other_lang": "en" if lang.startswith("ar") else "ar",
    }
