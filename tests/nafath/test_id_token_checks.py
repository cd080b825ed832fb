"""The relying party's side of the ID token: the checks the sample relying party runs
(examples/relying_party: Authlib's parse_id_token with the claim options of rp/id_token.py, what
its callback calls) accept the provider's token and refuse one with a broken or foreign
signature, another client's audience, another nonce or another issuer."""

import base64
import importlib.util
import json
import uuid
from pathlib import Path

import pytest
from authlib.integrations.django_client import OAuth
from django.test import Client
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError, JoseError
from joserfc.jwk import RSAKey

from nafath import services
from tests.nafath.oidc_helpers import authorize_url, code_from, consent, make_rp, nafath_confirm, pkce, token_request

_spec = importlib.util.spec_from_file_location(
    "sample_rp_id_token", Path(__file__).resolve().parents[2] / "examples" / "relying_party" / "rp" / "id_token.py"
)
sample_rp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sample_rp)

ISSUER = "http://testserver"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"idtoken-test-{uuid.uuid4().hex}"}}


@pytest.fixture
def device(person):
    return services.device_register(person=person, pin="1234")[0]


def _tokens(app, person, device, nonce="n-1"):
    c = Client()
    verifier, challenge = pkce()
    url = authorize_url(app, challenge=challenge, nonce=nonce)
    nafath_confirm(c, person, device, url)
    code = code_from(consent(c, url)["Location"])["code"]
    r = token_request(Client(), app, code, verifier)
    assert r.status_code == 200, r.content
    return r.json()


def _relying_party(client_id: str):
    """An Authlib client as the sample relying party has it, with the provider's discovery
    document and keys (read here through the test client instead of over HTTP)."""
    meta = Client().get("/.well-known/openid-configuration").json()
    meta["jwks"] = Client().get("/.well-known/jwks.json").json()
    return OAuth().register(f"nafath-{uuid.uuid4().hex}", client_id=client_id, client_secret="unused", **meta)


def _check(tokens, *, client_id, nonce="n-1", issuer=ISSUER):
    rp = _relying_party(client_id)
    options = sample_rp.id_token_claims_options(issuer=issuer, client_id=client_id)
    return rp.parse_id_token(tokens, nonce=nonce, claims_options=options)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unb64(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_the_relying_party_accepts_the_providers_id_token(person, device):
    app = make_rp()
    claims = _check(_tokens(app, person, device), client_id=app.client_id)
    assert claims["aud"] == app.client_id and claims["nonce"] == "n-1" and claims["iss"] == ISSUER
    assert claims["national_id"] == person.id_number
    assert claims["sub"] == services.pairwise_sub(person=person, relying_party=app.relying_party, client_id=app.client_id)


def test_a_token_with_a_changed_claim_fails_the_signature(person, device):
    app = make_rp()
    tokens = _tokens(app, person, device)
    header, payload, signature = tokens["id_token"].split(".")
    claims = _unb64(payload)
    claims["national_id"] = "1000000008"  # someone else's number, the provider's signature kept
    with pytest.raises(BadSignatureError):
        _check({**tokens, "id_token": f"{header}.{_b64(claims)}.{signature}"}, client_id=app.client_id)


def test_a_token_signed_with_another_key_is_refused(person, device):
    """A forger's key under the provider's key id: the signature does not verify with the JWKS."""
    app = make_rp()
    tokens = _tokens(app, person, device)
    header = _unb64(tokens["id_token"].split(".")[0])
    claims = _unb64(tokens["id_token"].split(".")[1])
    forged = jwt.encode({"alg": "RS256", "kid": header["kid"]}, claims, RSAKey.generate_key(2048))
    with pytest.raises(BadSignatureError):
        _check({**tokens, "id_token": forged}, client_id=app.client_id)


def test_a_token_issued_to_another_client_is_refused(person, device):
    one = make_rp()
    two = make_rp(name_en="Two", name_ar="اثنان")
    tokens = _tokens(one, person, device)
    with pytest.raises(InvalidClaimError) as e:
        _check(tokens, client_id=two.client_id)
    assert e.value.claim == "aud"


def test_a_token_with_another_nonce_is_refused(person, device):
    """A token replayed into another sign-in (the relying party sent another nonce)."""
    app = make_rp()
    tokens = _tokens(app, person, device, nonce="the-nonce-of-that-sign-in")
    with pytest.raises(InvalidClaimError) as e:
        _check(tokens, client_id=app.client_id, nonce="the-nonce-of-this-sign-in")
    assert e.value.claim == "nonce"


def test_a_token_from_another_issuer_is_refused(person, device):
    app = make_rp()
    tokens = _tokens(app, person, device)
    with pytest.raises(JoseError):
        _check(tokens, client_id=app.client_id, issuer="https://not-nafath.example")
