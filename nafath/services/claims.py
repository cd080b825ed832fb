"""What a completed sign-in request gives: an access token to the API client that started it
(claimed once), a browser session to the web page that started it (claimed once, its session
key kept for "this was not me"), and the access tokens themselves."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.services import audit_log_write
from nafath.models import AccessToken, NafathRequest
from nafath.tokens import new_token, token_digest
from registry.models import Person

Status = NafathRequest.Status


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
