from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.officers import OfficerAdminSite
from core.views import health

handler404 = "core.errors.handler404"
handler500 = "core.errors.handler500"

# The admin asks officers for a second factor (TOTP) and is behind django-axes' lock-out (core/officers.py).
admin.site.__class__ = OfficerAdminSite
# In the officer's language (Arabic or English, like the rest of the admin).
admin.site.site_header = _("Absher-style portal — officers")
admin.site.site_title = _("Officers")
admin.site.index_title = _("Requests and records")

api_v1 = [
    path("", include("portal.api_urls")),
    path("", include("nafath.api_urls")),
    path("", include("civil_affairs.api_urls")),
    path("", include("passports.api_urls")),
    path("", include("fines.api_urls")),
    path("", include("visas.api_urls")),
    path("", include("payments.api_urls")),
    path("", include("notifications.api_urls")),
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path(
        "docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", authentication_classes=[], permission_classes=[]), name="api-docs"
    ),
]

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include("portal.urls")),
    path("", include("nafath.urls")),
    path("", include("nafath.oidc_urls")),  # OpenID Connect: /.well-known/openid-configuration, /oidc/...
    path("civil-affairs/", include("civil_affairs.urls")),
    path("passports/", include("passports.urls")),
    path("visas/", include("visas.urls")),
    path("payments/outstanding/", include("fines.urls")),
    path("payments/", include("payments.urls")),
    path("notifications/", include("notifications.urls")),
]
