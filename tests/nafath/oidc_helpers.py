"""Helpers of the OpenID Connect tests: a registered relying party, PKCE, and the whole
authorization step driven through the portal's pages with Django's test client."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

from django.test import Client
from oauth2_provider.models import get_application_model

from nafath import services
from nafath.models import NafathRequest, RelyingParty

REDIRECT = "https://rp.example/callback"
SECRET = "rp-client-secret-for-tests-0123456789"


def make_rp(name_en="Ministry of Tests", name_ar="وزارة الاختبارات", scopes="openid profile national_id", redirect=REDIRECT, secret=SECRET):
    Application = get_application_model()
    app = Application.objects.create(
        name=name_en,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect,
        post_logout_redirect_uris=redirect.rsplit("/", 1)[0] + "/signed-out",
        algorithm=Application.RS256_ALGORITHM,
        client_secret=secret,
        hash_client_secret=True,
    )
    RelyingParty.objects.create(application=app, name_ar=name_ar, name_en=name_en, allowed_scopes=scopes)
    app.raw_secret = secret
    return app


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(app, *, challenge, scope="openid profile national_id", state="st-1", nonce="n-1", redirect=REDIRECT):
    q = {
        "client_id": app.client_id,
        "redirect_uri": redirect,
        "response_type": "code",
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return "/oidc/authorize/?" + urlencode(q)


def nafath_confirm(client: Client, person, device, url: str) -> NafathRequest:
    """From the authorize URL to the consent page: the Nafath number page, the app picks."""
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith("/login/?next="), r
    login_url = r["Location"]
    assert client.get(login_url).status_code == 200
    nxt = parse_qs(urlparse(login_url).query)["next"][0]
    r = client.post("/login/", {"id_number": person.id_number, "next": nxt})
    assert r.status_code == 302 and r["Location"] == "/login/"
    req = NafathRequest.objects.get(id_number=person.id_number, status="WAITING")
    services.nafath_request_answer(device=device, transaction_id=req.transaction_id, choice=str(req.random_number))
    body = client.get("/login/status/").json()
    assert body["status"] == "COMPLETED" and body["redirect"] == nxt
    return req


def consent(client: Client, url: str, allow=True):
    """GET the consent page and POST its form; returns the redirect to the relying party."""
    page = client.get(url)
    assert page.status_code == 200, page
    form = page.context["form"]
    data = {name: field.value() or "" for name, field in ((f.name, f) for f in form) if field.is_hidden}
    if allow:
        data["allow"] = "Authorize"
    r = client.post("/oidc/authorize/", data)
    assert r.status_code == 302, r
    return r


def code_from(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def token_request(client: Client, app, code: str, verifier: str, redirect=REDIRECT, secret=None):
    return client.post(
        "/oidc/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": verifier,
            "client_id": app.client_id,
            "client_secret": secret or app.raw_secret,
        },
    )
