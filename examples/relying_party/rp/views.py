"""Sign in with Nafath: Authlib keeps the state, the nonce and the PKCE verifier in the session,
and on the way back checks the ID token's signature (the provider's JWKS), issuer, audience,
expiry and nonce (rp/id_token.py) before the claims are trusted; a token that fails is refused."""

from urllib.parse import urlencode

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from joserfc.errors import JoseError

from rp.id_token import id_token_claims_options

oauth = OAuth()
oauth.register("nafath")


def home(request):
    return render(request, "rp/home.html", {"claims": request.session.get("claims"), "error": request.GET.get("error", "")})


def login(request):
    return oauth.nafath.authorize_redirect(request, request.build_absolute_uri(reverse("callback")))


def callback(request):
    options = id_token_claims_options(issuer=settings.NAFATH_ISSUER, client_id=oauth.nafath.client_id)
    try:
        token = oauth.nafath.authorize_access_token(request, claims_options=options)
    except OAuthError as exc:
        return render(request, "rp/home.html", {"claims": None, "error": exc.error}, status=400)
    except JoseError as exc:  # the ID token failed a check (signature, issuer, audience, nonce, expiry): refuse it
        return render(request, "rp/home.html", {"claims": None, "error": f"invalid ID token: {exc}"}, status=400)
    if "userinfo" not in token:  # no ID token checked (no nonce in this session's state): nothing to trust
        return render(request, "rp/home.html", {"claims": None, "error": "no verified ID token"}, status=400)
    request.session["claims"] = dict(token["userinfo"])
    request.session["id_token"] = token["id_token"]
    return redirect("home")


def logout(request):
    id_token = request.session.get("id_token", "")
    request.session.flush()
    meta = oauth.nafath.load_server_metadata()
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": request.build_absolute_uri(reverse("signed_out"))})
    return redirect(f"{meta['end_session_endpoint']}?{query}")
