"""The OpenID Connect endpoints that differ from django-oauth-toolkit's own: the authorization
step is the Nafath number-matching login (the relying party's name shown in the Nafath app), then
a consent page in both languages; logout at the provider ends the portal session.

How the authorization step meets the login (one app, two views, the session between them):
1. /oidc/authorize/ validates the request (an unknown client or an unregistered redirect URI is
   refused here, never redirected), stores the relying party in the session (OIDC_PENDING_KEY)
   and sends the browser to /login/?next=<the authorize URL>.
2. The login page starts a Nafath request carrying the relying party's names and client id; the
   Nafath app shows that name as the request's service.
3. On COMPLETED the login signs the browser in and records OIDC_AUTH_KEY = {client, person, at}.
4. Back at /oidc/authorize/, a confirmation for THIS client, younger than
   NAFATH_OIDC_AUTH_MAX_AGE_SECONDS, lets the consent page show; it is used once (allow or deny).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.views import AuthorizationView, RPInitiatedLogoutView

from core.api import client_ip
from core.services import audit_log_write
from nafath import services
from nafath.oidc import relying_party_of

OIDC_PENDING_KEY = "nafath_oidc_pending"
OIDC_AUTH_KEY = "nafath_oidc_auth"

SCOPE_TEXT = {
    "openid": _("Sign you in (a pseudonymous identifier for this portal only)"),
    "profile": _("Your name in Arabic and English, your birth date and your nationality"),
    "national_id": _("Your national ID or iqama number"),
}


def confirmation_fresh(request, client_id: str) -> bool:
    data = request.session.get(OIDC_AUTH_KEY) or {}
    person = getattr(request, "person", None)
    return bool(
        person is not None
        and client_id
        and data.get("client_id") == client_id
        and data.get("person") == person.pk
        and time.time() - float(data.get("at", 0)) <= settings.NAFATH_OIDC_AUTH_MAX_AGE_SECONDS
    )


class AuthorizeView(AuthorizationView):
    template_name = "nafath/oidc/consent.html"

    def dispatch(self, request, *args, **kwargs):
        self.oauth2_data = {}
        client_id = request.POST.get("client_id") if request.method == "POST" else request.GET.get("client_id")
        if confirmation_fresh(request, client_id or ""):
            request.user = services.oidc_subject_user(person=request.person)
            return super().dispatch(request, *args, **kwargs)
        if request.method != "GET":
            return redirect(reverse("nafath:login"))
        try:
            _scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        rp = relying_party_of(application)
        nxt = request.get_full_path()
        request.session[OIDC_PENDING_KEY] = {
            "client_id": application.client_id,
            "name_en": rp.name_en if rp else application.name,
            "name_ar": rp.name_ar if rp else application.name,
            "next": nxt,
        }
        return redirect(f"{reverse('nafath:login')}?{urlencode({'next': nxt})}")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        application = ctx.get("application")
        ctx["relying_party"] = relying_party_of(application)
        ctx["scope_texts"] = [SCOPE_TEXT.get(s, s) for s in ctx.get("scopes", [])]
        ctx["person"] = getattr(self.request, "person", None)
        return ctx

    def form_valid(self, form):
        response = super().form_valid(form)
        allowed = bool(form.cleaned_data.get("allow"))
        client_id = form.cleaned_data.get("client_id", "")
        application = get_application_model().objects.filter(client_id=client_id).first()
        rp = relying_party_of(application)
        self.request.session.pop(OIDC_AUTH_KEY, None)  # a confirmation is good for one authorization
        if response.status_code in (301, 302):
            audit_log_write(
                action="oidc.authorized" if allowed else "oidc.denied",
                person=self.request.person,
                ip=client_ip(self.request),
                relying_party=client_id,
                service=rp.name_en if rp else getattr(application, "name", ""),
                service_ar=rp.name_ar if rp else "",
                scopes=form.cleaned_data.get("scope", ""),
                browser=self.request.META.get("HTTP_USER_AGENT", "")[:300],
            )
        return response


class LogoutView(RPInitiatedLogoutView):
    """RP-initiated logout: ends the portal session too (the person is signed out everywhere)."""

    template_name = "nafath/oidc/logout_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        if getattr(request, "person", None) is not None:
            request.user = services.oidc_subject_user(person=request.person)
        return super().dispatch(request, *args, **kwargs)

    def do_logout(self, application=None, post_logout_redirect_uri=None, state=None, token_user=None):
        person = getattr(self.request, "person", None) or (services.oidc_person_for_user(token_user) if token_user else None)
        if person is not None:
            audit_log_write(
                action="oidc.logout", person=person, ip=client_ip(self.request), relying_party=getattr(application, "client_id", "")
            )
        response = super().do_logout(application, post_logout_redirect_uri, state, token_user)
        self.request.person = None
        return response
