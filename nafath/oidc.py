"""django-oauth-toolkit plugged into Nafath: the claims (a pairwise `sub` per relying party,
`national_id`, names in Arabic and English, birth date, nationality) and the scopes each
relying party may ask for (RelyingParty.allowed_scopes, set by officers)."""

from __future__ import annotations

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes

from nafath.models import RelyingParty
from nafath.services.oidc import oidc_person_for_user, pairwise_sub

PROFILE_CLAIMS = ("name", "name#ar", "name#en", "given_name", "birthdate", "nationality", "locale")


def relying_party_of(application) -> RelyingParty | None:
    if application is None:
        return None
    try:
        return application.relying_party
    except RelyingParty.DoesNotExist:
        return None


class RelyingPartyScopes(SettingsScopes):
    """A relying party gets only the scopes officers allowed it (openid always)."""

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        everything = list(super().get_available_scopes(application, request, *args, **kwargs))
        rp = relying_party_of(application)
        if rp is None:
            return ["openid"] if application is not None else everything
        allowed = set(rp.scopes) | {"openid"}
        return [s for s in everything if s in allowed]


class NafathOIDCValidator(OAuth2Validator):
    oidc_claim_scope = {
        "sub": "openid",
        "national_id": "national_id",
        **dict.fromkeys(PROFILE_CLAIMS, "profile"),
    }

    def get_claim_dict(self, request):
        person = oidc_person_for_user(request.user)
        client = request.client
        claims = {
            "sub": pairwise_sub(person=person, relying_party=relying_party_of(client), client_id=client.client_id) if person else "",
        }
        if person is None:
            return claims
        claims.update(
            {
                "national_id": person.id_number,
                "name": person.name_en,
                "name#ar": person.name_ar,
                "name#en": person.name_en,
                "given_name": person.name_en.split(" ")[0] if person.name_en else "",
                "birthdate": person.birth_date.isoformat(),
                "nationality": person.nationality,
                "locale": person.preferred_language or "ar",
            }
        )
        return claims

    def get_discovery_claims(self, request):
        return ["sub", "national_id", *PROFILE_CLAIMS]
