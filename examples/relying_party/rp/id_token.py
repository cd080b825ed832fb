"""What the sample relying party requires of an ID token before it trusts the claims.

Authlib checks the signature against the provider's JWKS (RS256, the algorithms the discovery
document names), the expiry, the nonce it sent and the access token's hash. By default it
checks the issuer but the audience only through `azp`: these options make both explicit, so a
token the provider issued to another client, or a token from another issuer, is refused here.
Kept free of Django and Authlib imports (tests/nafath/test_id_token_checks.py loads it)."""


def id_token_claims_options(*, issuer: str, client_id: str) -> dict:
    return {
        "iss": {"essential": True, "values": [issuer]},
        "aud": {"essential": True, "values": [client_id]},
        "sub": {"essential": True},
        "nonce": {"essential": True},
    }
