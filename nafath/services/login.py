"""Every write of the Nafath login: devices and tokens, sign-in requests and their answers,
the Nafath app's PIN sign-in, and the rate limits in front of them."""

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.errors import ApplicationError, NotFound
from core.idnumbers import normalize_id_number
from core.services import audit_log_write
from nafath.models import AccessToken, Device, NafathRequest
from nafath.services.devices import device_pin_check
from nafath.services.limits import (
    check_start_limits,
    count_refused_start,
    incr,
    pin_backoff_check,
    pin_backoff_failure,
    pin_backoff_success,
    pin_key,
    rate_limited,
    release,
    start_refused_by_owner,
)
from nafath.tokens import new_token, token_digest
from notifications.services import notification_send
from registry.models import Person

Status = NafathRequest.Status
# Stored untranslated; shown in the reader's language (NafathRequest.service_label).
SERVICE_PORTAL_SIGN_IN = gettext_noop("Sign in to the Absher-style portal")
# A valid hash that matches no PIN: unknown IDs cost as much time as known ones.
_DUMMY_PIN_HASH = None
REFUSED_TITLE = gettext_lazy("Someone keeps trying to sign in with your ID number")
REFUSED_BODY = gettext_lazy(
    "%(count)d sign-in requests for your ID number were refused since %(since)s. Nobody was signed in. "
    "You can still sign in from your own device or a browser you used before; never share the number shown on the portal."
)


# --- access tokens (signatures used by other apps: keep them) --------------------------------
def access_token_issue(*, person: Person) -> tuple[AccessToken, str]:
    raw = new_token()
    token = AccessToken.objects.create(
        person=person,
        token_digest=token_digest(raw),
        expires_at=timezone.now() + dt.timedelta(seconds=settings.ACCESS_TOKEN_LIFETIME_SECONDS),
    )
    return token, raw


@transaction.atomic
def access_token_revoke(*, token: AccessToken) -> None:
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_log_write(action="auth.logout", person=token.person, obj=token)


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


def nafath_request_token_claim(*, req: NafathRequest, ip: str = "") -> tuple[AccessToken, str] | None:
    """The first read of a COMPLETED API request gets an access token; later reads do not.
    A compare-and-set on token_claimed_at lets only one concurrent reader win."""
    if req.status != Status.COMPLETED or req.channel != NafathRequest.Channel.API or req.person_id is None:
        return None
    with transaction.atomic():
        won = NafathRequest.objects.filter(pk=req.pk, status=Status.COMPLETED, token_claimed_at__isnull=True).update(
            token_claimed_at=timezone.now()
        )
        if won != 1:
            return None
        token, raw = access_token_issue(person=req.person)
        AccessToken.objects.filter(pk=token.pk).update(nafath_request=req)
        audit_log_write(action="auth.signed_in", person=req.person, obj=req, ip=ip, channel="api", browser=req.user_agent)
    return token, raw


def nafath_request_web_claim(*, req: NafathRequest, web_nonce: str, ip: str = "") -> Person | None:
    """The browser session that started a COMPLETED web request signs in with it, once."""
    if (
        req.status != Status.COMPLETED
        or req.channel != NafathRequest.Channel.WEB
        or req.person_id is None
        or not web_nonce
        or not secrets.compare_digest(req.web_nonce_digest, token_digest(web_nonce))
    ):
        return None
    with transaction.atomic():
        won = NafathRequest.objects.filter(pk=req.pk, status=Status.COMPLETED, web_claimed_at__isnull=True).update(
            web_claimed_at=timezone.now()
        )
        if won != 1:
            return None
        audit_log_write(
            action="auth.signed_in",
            person=req.person,
            obj=req,
            ip=ip,
            channel="web",
            browser=req.user_agent,
            relying_party=req.oidc_client_id,
            service=req.service,
            service_ar=req.service_ar,
        )
    return req.person


def nafath_request_session_bind(*, req: NafathRequest, session_key: str) -> None:
    """Remember the browser session a web request signed in (to end it on "this was not me")."""
    NafathRequest.objects.filter(pk=req.pk).update(web_session_key=session_key or "")


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


# --- the Nafath app's own sign-in (ID number + device PIN) --------------------------------
def nafath_app_sign_in(*, id_number: str, pin: str, ip: str, client_id: str = "", device_id: int | None = None) -> Device:
    """Find the person's ACTIVE device whose PIN matches. No lock-out by ID number: whoever knows an
    ID number cannot stop its owner's device from signing in.

    - `device_id`: the device this app installation signed in as before (the owner's own device,
      from a signed cookie). Its wrong PINs count on that device only (devices.device_pin_check: one
      conditional UPDATE, locked for NAFATH_DEVICE_LOCK_SECONDS after NAFATH_DEVICE_LOCK_AFTER_FAILURES).
    - Anyone else's tries count per app installation (`client_id`) and per client address, with
      backoff (limits.pin_backoff_check), and on a per-ID-number counter for such clients only
      (NAFATH_PIN_MAX_FAILURES_PER_ID): they never touch the owner's device or its lock.
    Every counter takes its try atomically BEFORE the PIN is compared, so concurrent wrong PINs
    cannot overshoot. An unknown ID number costs a dummy hash check and fails like a wrong PIN."""
    global _DUMMY_PIN_HASH
    normalized = normalize_id_number(id_number) or ""
    devices = list(
        Device.objects.select_related("person").filter(person__id_number=normalized, status=Device.Status.ACTIVE).order_by("-id")
    )
    own = next((d for d in devices if device_id is not None and d.pk == device_id), None)
    if own is not None:
        if device_pin_check(device=own, pin=pin, ip=ip):
            return _app_signed_in(own, ip)
        raise _invalid_credentials()
    keys = [pin_key("ip", ip)] + ([pin_key("client", client_id)] if client_id else [])
    taken = pin_backoff_check(keys=keys, ip=ip, id_number=normalized)
    per_id = pin_key("id", normalized or str(id_number)[:20])
    slot = incr(f"{per_id}:n", timeout=settings.NAFATH_RATE_LIMIT_WINDOW_SECONDS)
    if slot > settings.NAFATH_PIN_MAX_FAILURES_PER_ID:
        release(f"{per_id}:n")
        for k, _slot in taken:
            release(f"{k}:n")
        raise rate_limited(retry_after=settings.NAFATH_RATE_LIMIT_WINDOW_SECONDS, ip=ip, id_number=normalized, what="pin")
    match = next((d for d in devices if check_password(pin or "", d.pin_hash)), None)
    if match is not None:
        pin_backoff_success(taken=taken)
        release(f"{per_id}:n")
        return _app_signed_in(match, ip)
    pin_backoff_failure(taken=taken)
    if not devices:
        if _DUMMY_PIN_HASH is None:
            _DUMMY_PIN_HASH = make_password(secrets.token_hex(8))
        check_password(pin or "", _DUMMY_PIN_HASH)
    audit_log_write(
        action="auth.failed",
        person=devices[0].person if devices else None,
        ip=ip,
        reason="wrong_pin",
        what="nafath_app",
        id_number=normalized,
    )
    raise _invalid_credentials()


def _app_signed_in(device: Device, ip: str) -> Device:
    Device.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())
    audit_log_write(action="nafath.app_signed_in", person=device.person, obj=device, ip=ip)
    return device


def _invalid_credentials() -> ApplicationError:
    return ApplicationError("INVALID_CREDENTIALS", _("The ID number or the PIN is not correct."), status=401)
