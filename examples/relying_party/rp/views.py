"""Sign in with Nafath: Authlib keeps the state, the nonce and the PKCE verifier in the session,
and on the way back checks the ID token's signature (the provider's JWKS), issuer, audience,
expiry and nonce before the claims are trusted."""

from urllib.parse import urlencode

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.django_client import OAuth
from django.shortcuts import redirect, render
from django.urls import reverse

oauth = OAuth()
oauth.register("nafath")


def home(request):
    return render(request, "rp/home.html", {"claims": request.session.get("claims"), "error": request.GET.get("error", "")})


def login(request):
    return oauth.nafath.authorize_redirect(request, request.build_absolute_uri(reverse("callback")))


def callback(request):
    try:
        token = oauth.nafath.authorize_access_token(request)
    except OAuthError as exc:
        return render(request, "rp/home.html", {"claims": None, "error": exc.error}, status=400)
    request.session["claims"] = dict(token["userinfo"])
    request.session["id_token"] = token["id_token"]
    return redirect("home")


def logout(request):
    id_token = request.session.get("id_token", "")
    request.session.flush()
    meta = oauth.nafath.load_server_metadata()
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": request.build_absolute_uri(reverse("signed_out"))})
    return redirect(f"{meta['end_session_endpoint']}?{query}")
