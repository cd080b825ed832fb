from django.utils.translation import get_language, get_language_bidi


def portal(request):
    person = getattr(request, "person", None)
    unread = 0
    if person is not None:
        from notifications.models import Notification

        unread = Notification.objects.filter(person=person, read_at__isnull=True).count()
    lang = get_language() or "ar"
    return {
        "person": person,
        "unread_notifications": unread,
        "lang": lang,
        "dir": "rtl" if get_language_bidi() else "ltr",
        "other_lang": "en" if lang.startswith("ar") else "ar",
    }
