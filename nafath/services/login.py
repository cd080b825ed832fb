"""The Nafath sign-in requests: starting one (with the limits in front of it and the owner's
own start replacing a waiting one), expiry, the browser giving one up, and the Nafath app's
answer. What a completed request gives (tokens, a browser session) is in claims.py; the app's
own PIN sign-in in app_sign_in.py."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.errors import ApplicationError, NotFound
from core.idnumbers import normalize_id_number
from core.services import audit_log_write
from nafath.models import Device, NafathRequest
from nafath.services.limits import check_start_limits, count_refused_start, start_refused_by_owner
from nafath.tokens import token_digest
from notifications.services import notification_send
from registry.models import Person

Status = NafathRequest.Status
# Stored untranslated; shown in the reader's language (NafathRequest.service_label).
SERVICE_PORTAL_SIGN_IN = gettext_noop("Sign in to the Absher-style portal")
REFUSED_TITLE = gettext_lazy("Someone keeps trying to sign in with your ID number")
REFUSED_BODY = gettext_lazy(
    "%(count)d sign-in requests for your ID number were refused since %(since)s. Nobody was signed in. "
    "You can still sign in from your own device or a browser you used before; never share the number shown on the portal."
)


# --- sign-in requests ----------------------------------------------------------------------
def _choices_for(number: int) -> list[str]:
    rng = secrets.SystemRandom()
    others = rng.sample([n for n in range(10, 100) if n != number], 2)
    choices = [str(number)] + [str(n) for n in others]
    rng.shuffle(choices)
    return choices


def _expire_locked(req: NafathRequest, *, ip: str = "") -> None:
    """Expire a WAITING request whose time is up; the row is locked by the caller."""
    req.status = Status.EXPIRED
    req.save(update_fields=["status"])
    audit_log_write(action="nafath.expired", person=req.person, obj=req, from_status=Status.WAITING, to_status=Status.EXPIRED, ip=ip)


def nafath_request_expire(*, transaction_id) -> bool:
    """Expire one request if it is WAITING and overdue. True when it expired now."""
    with transaction.atomic():
        req = NafathRequest.objects.select_for_update().filter(transaction_id=transaction_id).first()
        if req is None or not req.is_overdue:
            return False
        _expire_locked(req)
        return True


def nafath_request_expire_overdue(*, id_number: str | None = None) -> int:
    """Expire every overdue WAITING request (of one ID number, when given). Safe to run twice."""
    qs = NafathRequest.objects.filter(status=Status.WAITING, expires_at__lte=timezone.now())
    if id_number is not None:
        qs = qs.filter(id_number=id_number)
    return sum(nafath_request_expire(transaction_id=t) for t in qs.values_list("transaction_id", flat=True))


def nafath_request_start(
    *,
    id_number: str,
    ip: str,
    channel: str = NafathRequest.Channel.API,
    service: str = "",
    web_nonce: str = "",
    service_ar: str = "",
    oidc_client_id: str = "",
    user_agent: str = "",
    owner: Person | None = None,
) -> NafathRequest:
    """Start a sign-in request. The same answer whether or not the ID number is registered.

    `owner` is the person the caller has shown to be (a browser signed in as them or remembered from
    an earlier Nafath sign-in, or their active device): when it is the ID number's person, the start
    is the owner's own. It counts on the owner's own limit only (never refused because of other
    people's starts) and replaces a request still waiting for that ID number (REJECTED, reason
    `replaced`). Anyone else's start is limited per address first, then per ID number (limits.py),
    and a waiting request makes it 409 NAFATH_REQUEST_OPEN."""
    normalized = normalize_id_number(id_number)
    if normalized is None:
        check_start_limits(id_number=str(id_number)[:20], ip=ip)
        audit_log_write(action="auth.failed", ip=ip, reason="invalid_id_number", channel=channel)
        raise ApplicationError(
            "INVALID_ID_NUMBER",
            _("Enter a valid ID number: 10 digits starting with 1 or 2."),
            {"fields": {"id_number": [_("Enter a valid ID number: 10 digits starting with 1 or 2.")]}},
        )
    is_owner = owner is not None and owner.id_number == normalized
    try:
        check_start_limits(id_number=normalized, ip=ip, owner=is_owner)
    except ApplicationError:
        if not is_owner:
            _refused_start_counted(id_number=normalized)
        raise
    nafath_request_expire_overdue(id_number=normalized)
    person = Person.objects.filter(id_number=normalized).first()
    number = secrets.randbelow(90) + 10
    # The owner's start may meet a request another client inserts at the same moment (the partial
    # unique index makes the later insert fail): it replaces that one too, a few times at most.
    for _attempt in range(3 if is_owner else 1):
        try:
            with transaction.atomic():
                if is_owner:
                    _replace_waiting(id_number=normalized, ip=ip)
                req = NafathRequest.objects.create(
                    id_number=normalized,
                    person=person,
                    random_number=number,
                    choices=_choices_for(number),
                    channel=channel,
                    service=service or SERVICE_PORTAL_SIGN_IN,
                    client_ip=ip,
                    expires_at=timezone.now() + dt.timedelta(seconds=settings.NAFATH_REQUEST_LIFETIME_SECONDS),
                    web_nonce_digest=token_digest(web_nonce) if web_nonce else "",
                    service_ar=service_ar[:200],
                    oidc_client_id=oidc_client_id[:100],
                    user_agent=user_agent[:300],
                )
                audit_log_write(
                    action="nafath.started",
                    person=person,
                    obj=req,
                    to_status=Status.WAITING,
                    ip=ip,
                    channel=channel,
                    id_number=normalized,
                    relying_party=oidc_client_id,
                )
        except IntegrityError:
            continue
        return req
    raise ApplicationError(
        "NAFATH_REQUEST_OPEN",
        _("A sign-in request for this ID number is already waiting. Answer it in the Nafath app or wait until it expires."),
        status=409,
    )


def _replace_waiting(*, id_number: str, ip: str) -> None:
    """The owner's own start: a request still waiting for the ID number gives way (REJECTED, `replaced`)."""
    for waiting in NafathRequest.objects.select_for_update().filter(id_number=id_number, status=Status.WAITING):
        _reject_waiting(waiting, reason="replaced", ip=ip, started_from=waiting.client_ip)


def _reject_waiting(req: NafathRequest, *, reason: str, ip: str, **data) -> None:
    """A locked WAITING request ends REJECTED for `reason` (replaced, cancelled), audited."""
    req.status = Status.REJECTED
    req.answered_at = timezone.now()
    req.answer_reason = reason
    req.save(update_fields=["status", "answered_at", "answer_reason"])
    audit_log_write(
        action="nafath.rejected",
        person=req.person,
        obj=req,
        from_status=Status.WAITING,
        to_status=Status.REJECTED,
        ip=ip,
        reason=reason,
        **data,
    )


def _refused_start_counted(*, id_number: str, count: int | None = None) -> None:
    """One more start of this ID number refused (a limit, or the owner's device): the owner is told
    once the window has NAFATH_REFUSED_STARTS_NOTIFY_AFTER of them (one notification per window)."""
    count = count_refused_start(id_number=id_number) if count is None else count
    if count != settings.NAFATH_REFUSED_STARTS_NOTIFY_AFTER:
        return
    person = Person.objects.filter(id_number=id_number).first()
    if person is None:
        return
    window = settings.NAFATH_RATE_LIMIT_WINDOW_SECONDS
    bucket = int(timezone.now().timestamp() // window)
    since = timezone.localtime(timezone.now() - dt.timedelta(seconds=window))
    notification_send(
        person=person,
        kind="nafath_refused_starts",
        event_key=f"nafath-refused-starts-{person.pk}-{bucket}",
        title=REFUSED_TITLE,
        body=REFUSED_BODY,
        context={"count": count, "since": since.strftime("%H:%M")},
        link="/nafath/activity/",
    )
    audit_log_write(action="nafath.refused_starts_notified", person=person, count=count)


def nafath_request_refresh(*, req: NafathRequest) -> NafathRequest:
    """Expire the request lazily if its time is up; returns the current row."""
    if req.is_overdue:
        nafath_request_expire(transaction_id=req.transaction_id)
        req.refresh_from_db()
    return req


def nafath_request_cancel(*, req: NafathRequest, web_nonce: str, ip: str = "") -> bool:
    """The browser that started a WAITING web request gives it up (so a new one can start)."""
    if not web_nonce or not secrets.compare_digest(req.web_nonce_digest or "-", token_digest(web_nonce)):
        return False
    with transaction.atomic():
        locked = NafathRequest.objects.select_for_update().get(pk=req.pk)
        if locked.status != Status.WAITING:
            return False
        _reject_waiting(locked, reason="cancelled", ip=ip)
    return True


def nafath_request_answer(
    *, device: Device, transaction_id, choice: str | None = None, reject: bool = False, ip: str = ""
) -> NafathRequest:
    """The Nafath app answers a request of its person: the right number completes it; a wrong
    number or a rejection rejects it (final, no second try)."""
    expired = False
    with transaction.atomic():
        req = (
            NafathRequest.objects.select_for_update()
            .filter(transaction_id=transaction_id, person_id=device.person_id, person__isnull=False)
            .first()
        )
        if req is None:
            raise NotFound()
        if req.is_overdue:
            _expire_locked(req, ip=ip)
            expired = True
        elif req.status == Status.WAITING:
            if not reject and str(choice) not in req.choices:
                raise ApplicationError(
                    "INVALID_CHOICE",
                    _("Pick one of the three numbers shown, or reject the request."),
                    {"fields": {"choice": [_("Pick one of the three numbers shown.")]}},
                )
            right = not reject and str(choice) == str(req.random_number)
            req.status = Status.COMPLETED if right else Status.REJECTED
            req.answered_at = timezone.now()
            req.answer_reason = "right_number" if right else ("declined" if reject else "wrong_number")
            req.device = device
            req.save(update_fields=["status", "answered_at", "answer_reason", "device"])
            Device.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())
            audit_log_write(
                action="nafath.completed" if right else "nafath.rejected",
                person=req.person,
                obj=req,
                from_status=Status.WAITING,
                to_status=req.status,
                ip=ip,
                reason=req.answer_reason,
                device=device.pk,
            )
            if not right:
                audit_log_write(action="auth.failed", person=req.person, obj=req, ip=ip, reason=req.answer_reason)
            if reject:
                # The owner's device refused a request it did not want: the address that started it
                # may not start for this ID number again in the window, and the owner hears of it
                # when it keeps happening.
                refused = start_refused_by_owner(id_number=req.id_number, ip=req.client_ip)
                transaction.on_commit(lambda: _refused_start_counted(id_number=req.id_number, count=refused))
            return req
        status = req.status
    if expired or status == Status.EXPIRED:
        raise ApplicationError("NAFATH_REQUEST_EXPIRED", _("This request has expired. Start a new sign-in."), status=409)
    raise ApplicationError("NAFATH_REQUEST_CLOSED", _("This request has already been answered."), status=409)
