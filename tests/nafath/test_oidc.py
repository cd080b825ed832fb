"""Nafath as an OpenID Connect provider: discovery, JWKS, the code flow with PKCE through the
number-matching login, the claims per scope, pairwise subjects, refused redirect URIs and
reused codes, consent, logout, and the relying party's admin."""

import uuid

import pytest
from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet

from core.models import AuditLog
from nafath import services
from nafath.models import NafathRequest
from tests.nafath.oidc_helpers import REDIRECT, authorize_url, code_from, consent, make_rp, nafath_confirm, pkce, token_request
from tests.officers import officer_login


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"oidc-test-{uuid.uuid4().hex}"}}


@pytest.fixture
def device(person):
    d, _ = services.device_register(person=person, pin="1234")
    return d


def _keyset(client):
    return KeySet.import_key_set(client.get("/.well-known/jwks.json").json())


def _sign_in(client, app, person, device, *, scope="openid profile national_id", nonce="n-1"):
    verifier, challenge = pkce()
    url = authorize_url(app, challenge=challenge, scope=scope, nonce=nonce)
    nafath_confirm(client, person, device, url)
    r = consent(client, url)
    got = code_from(r["Location"])
    assert r["Location"].startswith(REDIRECT + "?")
    assert got["state"] == "st-1"
    return got["code"], verifier


def _tokens(client, app, person, device, **kw):
    code, verifier = _sign_in(client, app, person, device, **kw)
    r = token_request(Client(), app, code, verifier)
    assert r.status_code == 200, r.content
    return r.json()


def test_discovery_names_the_endpoints_rs256_pkce_and_pairwise(db):
    body = Client().get("/.well-known/openid-configuration").json()
    assert body["issuer"] == "http://testserver"
    assert body["authorization_endpoint"] == "http://testserver/oidc/authorize/"
    assert body["token_endpoint"] == "http://testserver/oidc/token/"
    assert body["userinfo_endpoint"] == "http://testserver/oidc/userinfo/"
    assert body["jwks_uri"] == "http://testserver/.well-known/jwks.json"
    assert body["end_session_endpoint"] == "http://testserver/oidc/logout/"
    assert body["id_token_signing_alg_values_supported"][0] == "RS256"
    assert "S256" in body["code_challenge_methods_supported"]
    assert body["subject_types_supported"] == ["pairwise"]
    assert set(body["scopes_supported"]) == {"openid", "profile", "national_id"}
    assert {"sub", "national_id", "name#ar", "name#en", "birthdate", "nationality"} <= set(body["claims_supported"])


def test_jwks_publishes_the_public_rsa_key_of_the_setting(db, settings):
    from jwcrypto import jwk

    keys = Client().get("/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert "d" not in key  # never the private part
    mine = jwk.JWK.from_pem(settings.OIDC_RSA_PRIVATE_KEY.encode())
    assert key["kid"] == mine.thumbprint() and key["n"] == mine.export_public(as_dict=True)["n"]


def test_code_flow_with_pkce_through_the_nafath_number_gives_signed_claims(person, device):
    app = make_rp()
    c = Client()
    tokens = _tokens(c, app, person, device)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 300  # short-lived
    claims = jwt.decode(tokens["id_token"], _keyset(c), algorithms=["RS256"]).claims
    assert claims["iss"] == "http://testserver"
    assert claims["aud"] == app.client_id
    assert claims["nonce"] == "n-1"
    assert claims["national_id"] == person.id_number
    assert claims["name#ar"] == person.name_ar and claims["name#en"] == person.name_en
    assert claims["birthdate"] == "1988-01-15" and claims["nationality"] == "SAU"
    assert claims["sub"] == services.pairwise_sub(person=person, relying_party=app.relying_party, client_id=app.client_id)
    assert claims["sub"] != str(person.pk) and person.id_number not in claims["sub"]
    # userinfo with the access token says the same
    info = Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert info["sub"] == claims["sub"] and info["national_id"] == person.id_number
    # the Nafath request carried the relying party's name, in both languages
    req = NafathRequest.objects.get(person=person, status="COMPLETED")
    assert (req.service, req.service_ar, req.oidc_client_id) == ("Ministry of Tests", "وزارة الاختبارات", app.client_id)
    assert AuditLog.objects.filter(action="oidc.authorized", person=person, data__relying_party=app.client_id).count() == 1


def test_the_nafath_app_shows_the_relying_partys_name(person, device):
    app = make_rp()
    _verifier, challenge = pkce()
    c = Client()
    c.get(authorize_url(app, challenge=challenge))
    nxt = c.session["nafath_oidc_pending"]["next"]
    c.post("/login/", {"id_number": person.id_number, "next": nxt})
    raw = services.device_register(person=person, pin="1234")[1]  # the app's API with a device's token
    for lang, name in (("en", "Ministry of Tests"), ("ar", "وزارة الاختبارات")):
        body = Client(HTTP_AUTHORIZATION=f"Device {raw}", HTTP_ACCEPT_LANGUAGE=lang).get("/api/v1/nafath-app/requests/").json()
        assert [r["service"] for r in body["requests"]] == [name]


def test_scope_limits_the_claims(person, device):
    app = make_rp()
    c = Client()
    tokens = _tokens(c, app, person, device, scope="openid")
    claims = jwt.decode(tokens["id_token"], _keyset(c), algorithms=["RS256"]).claims
    assert "national_id" not in claims and "name#ar" not in claims and "birthdate" not in claims
    assert claims["sub"]


def test_a_scope_officers_did_not_allow_is_refused(person, device):
    app = make_rp(scopes="openid profile")
    _verifier, challenge = pkce()
    r = Client().get(authorize_url(app, challenge=challenge, scope="openid national_id"))
    assert r.status_code == 302
    assert "error=invalid_scope" in r["Location"] and r["Location"].startswith(REDIRECT)
    assert NafathRequest.objects.count() == 0


def test_pairwise_sub_differs_between_two_relying_parties(person, device):
    one = make_rp(name_en="One", name_ar="واحد", redirect="https://one.example/cb")
    two = make_rp(name_en="Two", name_ar="اثنان", redirect="https://two.example/cb")
    subs = []
    for app, redirect in ((one, "https://one.example/cb"), (two, "https://two.example/cb")):
        c = Client()
        verifier, challenge = pkce()
        url = authorize_url(app, challenge=challenge, redirect=redirect)
        nafath_confirm(c, person, device, url)
        code = code_from(consent(c, url)["Location"])["code"]
        tokens = token_request(Client(), app, code, verifier, redirect=redirect).json()
        subs.append(jwt.decode(tokens["id_token"], _keyset(c), algorithms=["RS256"]).claims["sub"])
    assert subs[0] != subs[1]
    # and stable for one relying party
    assert subs[0] == services.pairwise_sub(person=person, relying_party=one.relying_party, client_id=one.client_id)


def test_an_unregistered_redirect_uri_is_refused_without_redirecting(person, device):
    app = make_rp()
    _verifier, challenge = pkce()
    r = Client().get(authorize_url(app, challenge=challenge, redirect="https://evil.example/steal"))
    assert r.status_code == 400
    assert b"evil.example" not in r.get("Location", "").encode()
    assert NafathRequest.objects.count() == 0


def test_an_unknown_client_is_refused(db):
    r = Client().get("/oidc/authorize/?client_id=nope&redirect_uri=https%3A%2F%2Fx.example%2F&response_type=code&scope=openid")
    assert r.status_code == 400


def test_pkce_is_required(person, device):
    app = make_rp()
    r = Client().get(f"/oidc/authorize/?client_id={app.client_id}&redirect_uri={REDIRECT}&response_type=code&scope=openid&state=s")
    assert r.status_code == 302 and "error=invalid_request" in r["Location"]
    assert NafathRequest.objects.count() == 0


def test_a_wrong_code_verifier_is_refused(person, device):
    app = make_rp()
    code, verifier = _sign_in(Client(), app, person, device)
    r = token_request(Client(), app, code, verifier + "x")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_a_reused_code_is_refused(person, device):
    app = make_rp()
    code, verifier = _sign_in(Client(), app, person, device)
    first = token_request(Client(), app, code, verifier)
    assert first.status_code == 200
    again = token_request(Client(), app, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_code_for_one_client_is_refused_to_another(person, device):
    one = make_rp()
    two = make_rp(name_en="Two", name_ar="اثنان")
    code, verifier = _sign_in(Client(), one, person, device)
    r = token_request(Client(), two, code, verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_refused(person, device):
    app = make_rp()
    code, verifier = _sign_in(Client(), app, person, device)
    r = token_request(Client(), app, code, verifier, secret="wrong")
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_a_portal_session_alone_does_not_authorize_a_relying_party(person, device, web_client_for):
    """Signed in to the portal is not enough: every relying party's sign-in is confirmed in the Nafath app."""
    app = make_rp()
    c = web_client_for(person)
    _verifier, challenge = pkce()
    r = c.get(authorize_url(app, challenge=challenge))
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=")
    # and the login page does not send the signed-in person straight on
    page = c.get(r["Location"])
    assert page.status_code == 200 and b'data-testid="login-relying-party"' in page.content


def test_a_confirmation_is_good_for_one_authorization_only(person, device):
    app = make_rp()
    c = Client()
    _verifier, challenge = pkce()
    url = authorize_url(app, challenge=challenge)
    nafath_confirm(c, person, device, url)
    consent(c, url)
    again = c.get(url)
    assert again.status_code == 302 and again["Location"].startswith("/login/?next=")


def test_a_confirmation_for_another_relying_party_does_not_count(person, device):
    one = make_rp()
    two = make_rp(name_en="Two", name_ar="اثنان")
    c = Client()
    _, challenge = pkce()
    nafath_confirm(c, person, device, authorize_url(one, challenge=challenge))
    r = c.get(authorize_url(two, challenge=challenge))
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=")


def test_an_old_confirmation_has_run_out(person, device, settings):
    app = make_rp()
    c = Client()
    _, challenge = pkce()
    url = authorize_url(app, challenge=challenge)
    nafath_confirm(c, person, device, url)
    s = c.session
    s["nafath_oidc_auth"]["at"] -= settings.NAFATH_OIDC_AUTH_MAX_AGE_SECONDS + 1
    s.save()
    r = c.get(url)
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=")


def test_consent_page_in_both_languages(person, device):
    app = make_rp()
    for lang, words in (("en", ["Ministry of Tests asks for your data", "Allow and continue"]), ("ar", ["وزارة الاختبارات"])):
        c = Client()
        c.cookies["absher_lang"] = lang
        _, challenge = pkce()
        url = authorize_url(app, challenge=challenge)
        nafath_confirm(c, person, device, url)
        page = c.get(url).content.decode()
        for w in words:
            assert w in page
        assert f'lang="{lang}"' in page


def test_denying_consent_returns_access_denied_and_no_code(person, device):
    app = make_rp()
    c = Client()
    _, challenge = pkce()
    url = authorize_url(app, challenge=challenge)
    nafath_confirm(c, person, device, url)
    r = consent(c, url, allow=False)
    got = code_from(r["Location"])
    assert got["error"] == "access_denied" and "code" not in got
    assert AuditLog.objects.filter(action="oidc.denied", person=person).count() == 1


def test_rp_initiated_logout_ends_the_portal_session_and_the_tokens(person, device):
    app = make_rp()
    c = Client()
    tokens = _tokens(c, app, person, device)
    assert c.get("/dashboard/").status_code == 200
    r = c.get(
        "/oidc/logout/",
        {"id_token_hint": tokens["id_token"], "client_id": app.client_id, "post_logout_redirect_uri": "https://rp.example/signed-out"},
    )
    assert r.status_code == 302 and r["Location"] == "https://rp.example/signed-out"
    assert c.get("/dashboard/").status_code == 302  # signed out of the portal
    info = Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.status_code == 401
    assert AuditLog.objects.filter(action="oidc.logout", person=person).count() == 1


def test_officers_register_a_relying_party_in_admin(db):
    from django.contrib.auth.models import User

    officer = User.objects.create_superuser("officer-x", "o@example.com", "pw-officer-123")
    c = officer_login(Client(), officer)
    page = c.get("/admin/oauth2_provider/application/add/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        "client_id": form["client_id"].value(),
        "client_secret": "a-secret-the-officer-copied-1234567890",
        "hash_client_secret": "on",
        "client_type": "confidential",
        "authorization_grant_type": "authorization-code",
        "redirect_uris": "https://gov.example/cb",
        "post_logout_redirect_uris": "",
        "allowed_origins": "",
        "name": "Gov Portal",
        "algorithm": "RS256",
        "relying_party-TOTAL_FORMS": "1",
        "relying_party-INITIAL_FORMS": "0",
        "relying_party-MIN_NUM_FORMS": "1",
        "relying_party-MAX_NUM_FORMS": "1",
        "relying_party-0-name_ar": "بوابة حكومية",
        "relying_party-0-name_en": "Gov Portal",
        "relying_party-0-allowed_scopes": "openid profile",
    }
    r = c.post("/admin/oauth2_provider/application/add/", data)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    from nafath.models import RelyingParty

    rp = RelyingParty.objects.get(name_en="Gov Portal")
    assert rp.name_ar == "بوابة حكومية" and rp.scopes == ["openid", "profile"]
    assert rp.application.redirect_uris == "https://gov.example/cb"


def test_this_was_not_me_on_a_relying_party_sign_in_ends_its_tokens_and_session_and_officers_see_it(person, device, web_client_for):
    from django.contrib.auth.models import User

    app = make_rp()
    c = Client()
    tokens = _tokens(c, app, person, device)
    bearer = f"Bearer {tokens['access_token']}"
    assert Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=bearer).status_code == 200
    signed_in = AuditLog.objects.get(action="auth.signed_in", person=person)
    assert signed_in.data["relying_party"] == app.client_id
    page = web_client_for(person, lang="en").get("/nafath/activity/").content.decode()
    assert "Through Ministry of Tests" in page
    r = web_client_for(person).post(f"/nafath/activity/{signed_in.pk}/not-me/")
    assert r.status_code == 302
    assert Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=bearer).status_code == 401  # its tokens are revoked
    assert c.get("/dashboard/").status_code == 302  # the browser session it opened is over
    device.refresh_from_db()
    assert device.status == "REVOKED"  # the device that confirmed it
    report = AuditLog.objects.get(action="nafath.activity_disowned", person=person)
    assert report.data["oidc_tokens"] == 1 and report.data["sessions"] == 1 and report.data["devices"] == [device.pk]
    # officers see the report in the admin's audit log
    officer = User.objects.create_superuser("off-audit", "a@example.com", "pw-123-officer")
    admin = Client()
    officer_login(admin, officer)
    listing = admin.get("/admin/core/auditlog/", {"action": "nafath.activity_disowned"}).content.decode()
    assert f"/admin/core/auditlog/{report.pk}/change/" in listing


def test_this_was_not_me_on_a_consent_revokes_that_relying_partys_tokens_only(person, device, web_client_for):
    one = make_rp()
    two = make_rp(name_en="Two", name_ar="اثنان", redirect="https://two.example/cb")
    t1 = _tokens(Client(), one, person, device)
    c2 = Client()
    verifier, challenge = pkce()
    url = authorize_url(two, challenge=challenge, redirect="https://two.example/cb")
    nafath_confirm(c2, person, device, url)
    code = code_from(consent(c2, url)["Location"])["code"]
    t2 = token_request(Client(), two, code, verifier, redirect="https://two.example/cb").json()
    entry = AuditLog.objects.get(action="oidc.authorized", person=person, data__relying_party=one.client_id)
    assert web_client_for(person).post(f"/nafath/activity/{entry.pk}/not-me/").status_code == 302
    assert Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {t1['access_token']}").status_code == 401
    assert Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {t2['access_token']}").status_code == 200


def test_my_activity_shows_a_relying_partys_sign_in_with_browser_address_and_name(person, device, web_client_for, api_client_for):
    app = make_rp()
    ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
    _tokens(Client(HTTP_USER_AGENT=ua, REMOTE_ADDR="10.20.30.40"), app, person, device)
    signed_in = AuditLog.objects.get(action="auth.signed_in", person=person)
    for lang, name in (("en", "Through Ministry of Tests"), ("ar", "وزارة الاختبارات")):
        page = web_client_for(person, lang=lang).get("/nafath/activity/").content.decode()
        start = page.index(f'data-testid="activity-{signed_in.pk}"')
        row = page[start : page.index("</li>", start)]
        assert name in row and "Chrome · Android" in row and "10.20.30.40" in row
    api_row = next(r for r in api_client_for(person).get("/api/v1/nafath/activity/").json()["activity"] if r["id"] == signed_in.pk)
    assert api_row["ip"] == "10.20.30.40" and api_row["browser"] == "Chrome · Android"
