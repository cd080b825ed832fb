"""OpenID Connect, mounted at the site's root (the issuer is the portal's origin): discovery at
/.well-known/openid-configuration, the keys at /.well-known/jwks.json, the rest under /oidc/.
The namespace is django-oauth-toolkit's own, which its views reverse."""

from django.urls import path, re_path
from oauth2_provider import views as dot

from nafath import oidc_views

app_name = "oauth2_provider"
urlpatterns = [
    re_path(r"^\.well-known/openid-configuration/?$", dot.ConnectDiscoveryInfoView.as_view(), name="oidc-connect-discovery-info"),
    path(".well-known/jwks.json", dot.JwksInfoView.as_view(), name="jwks-info"),
    path("oidc/authorize/", oidc_views.AuthorizeView.as_view(), name="authorize"),
    path("oidc/token/", dot.TokenView.as_view(), name="token"),
    path("oidc/revoke/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("oidc/introspect/", dot.IntrospectTokenView.as_view(), name="introspect"),
    path("oidc/userinfo/", dot.UserInfoView.as_view(), name="user-info"),
    path("oidc/logout/", oidc_views.LogoutView.as_view(), name="rp-initiated-logout"),
]
