"""Nafath as an OpenID Connect provider: the Django user that carries a person through
django-oauth-toolkit's tables, the pairwise subject, and ending what a sign-in opened."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from core.services import audit_log_write
from nafath.models import OidcSubject, RelyingParty
from registry.models import Person


def oidc_subject_user(*, person: Person):
    """The person's stand-in Django user (made once; no usable password, no staff rights)."""
    subject = OidcSubject.objects.select_related("user").filter(person=person).first()
    if subject is not None:
        return subject.user
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User(username=f"nafath-person-{person.pk}", is_active=True, is_staff=False, is_superuser=False)
            user.set_unusable_password()
            user.save()
            OidcSubject.objects.create(person=person, user=user)
            return user
    except IntegrityError:  # made meanwhile by a concurrent request
        return OidcSubject.objects.select_related("user").get(person=person).user


def oidc_person_for_user(user) -> Person | None:
    subject = OidcSubject.objects.select_related("person").filter(user_id=getattr(user, "pk", None)).first()
    return subject.person if subject else None


def pairwise_sub(*, person: Person, relying_party: RelyingParty | None, client_id: str) -> str:
    """A stable identifier of the person for ONE relying party: two relying parties cannot join
    their records by it. HMAC-SHA256 keyed with SECRET_KEY over the party's salt and the person."""
    salt = relying_party.pairwise_salt if relying_party else client_id
    key = hashlib.sha256(f"nafath-pairwise:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{salt}:{person.pk}".encode(), hashlib.sha256).hexdigest()


def oidc_auth_time_mark(*, person: Person) -> None:
    """The ID token's auth_time is the stand-in user's last_login: the Nafath confirmation."""
    user = oidc_subject_user(person=person)
    get_user_model().objects.filter(pk=user.pk).update(last_login=timezone.now())


def oidc_tokens_revoke(*, person: Person, client_id: str | None = None, reason: str = "", ip: str = "") -> int:
    """Revoke the person's OAuth access and refresh tokens (of one relying party when given)."""
    subject = OidcSubject.objects.filter(person=person).first()
    if subject is None:
        return 0
    AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
    tokens = AccessToken.objects.filter(user_id=subject.user_id)
    if client_id:
        tokens = tokens.filter(application__client_id=client_id)
    n = 0
    for token in list(tokens):
        token.revoke()
        n += 1
    refresh = RefreshToken.objects.filter(user_id=subject.user_id, revoked__isnull=True)
    if client_id:
        refresh = refresh.filter(application__client_id=client_id)
    for r in list(refresh):
        r.revoke()
    if n:
        audit_log_write(action="oidc.tokens_revoked", person=person, ip=ip, relying_party=client_id or "", reason=reason, count=n)
    return n
