"""Notifications: the inbox entry (once per event) and its delivery by SMS and email in
workers (once per event and channel)."""

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.dates import dual_date
from core.transitions import enqueue
from notifications.models import Delivery, Notification
from notifications.sms import TransientSmsError, get_sms_backend
from registry.models import Person

log = logging.getLogger(__name__)


class TransientDeliveryError(Exception):
    """A channel failed in a way worth retrying; the task retries with backoff."""


class InLanguage:
    """A context value written in the language active when each text is rendered (Arabic, then
    English): `InLanguage(lambda: office.name)`."""

    def __init__(self, fn):
        self.fn = fn

    def __str__(self):
        return str(self.fn())


def _in_language(value):
    """A context value as the active language writes it: dates in both calendars (`1448/06/02 هـ —
    2026/11/22`, `... AH — ...` in English), date-times with the local time after them."""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{dual_date(local)} {local:%H:%M}"
    if isinstance(value, dt.date):
        return dual_date(value)
    return value


def _render_both(text, context):
    """`text` is a lazy translatable string with %(name)s placeholders; render it in both languages.
    Dates and date-times in `context` are written by each language (both calendars)."""
    out = {}
    for lang in ("ar", "en"):
        with translation.override(lang):
            out[lang] = str(text) % {k: _in_language(v) for k, v in context.items()} if context else str(text)
    return out


def notification_send(
    *, person: Person, kind: str, event_key: str, title, body, context: dict | None = None, link: str = ""
) -> Notification:
    """Put a notification in the person's inbox once per event (idempotent on event_key) and
    queue its SMS and email after commit (robustly: a broker outage is left to the sweeper). `title` and `body` are gettext_lazy strings,
    rendered in Arabic and English."""
    t = _render_both(title, context or {})
    b = _render_both(body, context or {})
    try:
        with transaction.atomic():
            n = Notification.objects.create(
                person=person,
                kind=kind,
                event_key=event_key,
                title_ar=t["ar"],
                title_en=t["en"],
                body_ar=b["ar"],
                body_en=b["en"],
                link=link,
            )
            deliveries = _deliveries_create(n, person)
    except IntegrityError:
        return Notification.objects.get(person=person, event_key=event_key)
    for d in deliveries:
        enqueue("notifications.tasks.notification_deliver_task", d.pk)
    return n


def _deliveries_create(n: Notification, person: Person) -> list[Delivery]:
    lang = person.preferred_language if person.preferred_language in ("ar", "en") else "ar"
    out = []
    if person.mobile:
        out.append(
            Delivery.objects.create(
                notification=n, channel=Delivery.Channel.SMS, idempotency_key=f"n{n.pk}:SMS", to=person.mobile, language=lang
            )
        )
    if person.email:
        out.append(
            Delivery.objects.create(
                notification=n, channel=Delivery.Channel.EMAIL, idempotency_key=f"n{n.pk}:EMAIL", to=person.email, language=lang
            )
        )
    return out


def _render_message(delivery: Delivery) -> dict:
    n = delivery.notification
    with translation.override(delivery.language):
        ctx = {
            "title": n.title_en if delivery.language == "en" else n.title_ar,
            "body": n.body_en if delivery.language == "en" else n.body_ar,
            "link": (settings.PORTAL_BASE_URL.rstrip("/") + n.link) if n.link.startswith("/") else "",
            "person": n.person,
            "language": delivery.language,
        }
        return {
            "sms": render_to_string("notifications/sms.txt", ctx).strip(),
            "subject": " ".join(render_to_string("notifications/email_subject.txt", ctx).split()),
            "text": render_to_string("notifications/email_body.txt", ctx),
            "html": render_to_string("notifications/email_body.html", ctx),
        }


def notification_deliver(*, delivery_id: int) -> str:
    """Send one delivery once. Claims it PENDING → SENDING by compare-and-set (a second run of
    the task finds nothing to claim), sends outside any lock, then marks it SENT. A transient
    failure puts it back to PENDING (FAILED after NOTIFICATION_MAX_ATTEMPTS) and raises
    TransientDeliveryError so the task retries with backoff. Returns the outcome."""
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return "skipped"
    delivery = Delivery.objects.select_related("notification__person").get(pk=delivery_id)
    msg = _render_message(delivery)
    try:
        if delivery.channel == Delivery.Channel.SMS:
            provider_id = get_sms_backend().send(
                to=delivery.to, body=msg["sms"], language=delivery.language, idempotency_key=delivery.idempotency_key
            )
        else:
            email = EmailMultiAlternatives(
                subject=msg["subject"],
                body=msg["text"],
                to=[delivery.to],
                headers={"Message-ID": f"<{delivery.idempotency_key.replace(':', '.')}@{settings.NOTIFICATION_EMAIL_DOMAIN}>"},
            )
            email.attach_alternative(msg["html"], "text/html")
            email.send(fail_silently=False)
            provider_id = "email"
    except (TransientSmsError, smtplib.SMTPException, OSError) as e:
        final = delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.FAILED if final else Delivery.Status.PENDING, last_error=str(e)[:300]
        )
        log.warning("delivery %s failed (attempt %s): %s", delivery_id, delivery.attempts, e)
        if final:
            return "failed"
        raise TransientDeliveryError(str(e)) from e
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), provider_id=provider_id[:100], last_error=""
    )
    return "sent"


def notification_delivery_sweep() -> int:
    """Re-queue deliveries a lost broker message or a dead worker left behind: PENDING for too
    long, or SENDING claimed long ago (back to PENDING first). The SMS gateway deduplicates on
    the idempotency key; an email may go twice in that rare crash case."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.NOTIFICATION_SWEEP_AFTER_SECONDS)
    Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=cutoff).update(status=Delivery.Status.PENDING)
    lost = timezone.now() - dt.timedelta(seconds=settings.SWEEP_LOST_WORK_AFTER_SECONDS)
    never_tried = Q(attempts=0, claimed_at__isnull=True, created_at__lt=lost)
    ids = list(
        Delivery.objects.filter(Q(created_at__lt=cutoff) | never_tried, status=Delivery.Status.PENDING).values_list("pk", flat=True)[:500]
    )
    for pk in ids:  # outside a transaction the task is queued at once
        enqueue("notifications.tasks.notification_deliver_task", pk)
    return len(ids)


def notification_mark_read(*, person: Person, notification_id: int) -> Notification:
    """Mark one of the person's notifications read (another person's: 404)."""
    with transaction.atomic():
        n = Notification.objects.select_for_update().filter(pk=notification_id, person=person).first()
        if n is None:
            raise Http404
        if n.read_at is None:
            n.read_at = timezone.now()
            n.save(update_fields=["read_at"])
    return n


def notification_mark_all_read(*, person: Person) -> int:
    return Notification.objects.filter(person=person, read_at__isnull=True).update(read_at=timezone.now())
