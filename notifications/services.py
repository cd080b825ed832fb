from django.db import IntegrityError, transaction
from django.utils import translation

from core.models import Person
from notifications.models import Notification


def _render_both(text, context):
    """`text` is a lazy translatable string with %(name)s placeholders; render it in both languages."""
    out = {}
    for lang in ("ar", "en"):
        with translation.override(lang):
            out[lang] = str(text) % context if context else str(text)
    return out


def notification_send(*, person: Person, kind: str, event_key: str, title, body, context: dict | None = None, link: str = "") -> Notification:
    """Put a notification in the person's inbox once per event (idempotent on event_key).
    `title` and `body` are gettext_lazy strings, rendered in Arabic and English."""
    t = _render_both(title, context or {})
    b = _render_both(body, context or {})
    try:
        with transaction.atomic():
            n = Notification.objects.create(
                person=person, kind=kind, event_key=event_key,
                title_ar=t["ar"], title_en=t["en"], body_ar=b["ar"], body_en=b["en"], link=link,
            )
    except IntegrityError:
        return Notification.objects.get(person=person, event_key=event_key)
    return n
