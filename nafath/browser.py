"""The owner's own browser and Nafath app installation (docs/nafath.md "No lock-out by ID
number"): signed cookies, read and set by the login pages (views.py) and the app simulator
(app_views.py)."""

from django.conf import settings
from django.core import signing

from nafath import selectors

# The owner's own browser and device: signed cookies.
KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_SALT = "nafath_known", "nafath.known-browser"
APP_CLIENT_COOKIE, APP_BOUND_COOKIE, APP_BOUND_SALT = "nafath_app_client", "nafath_app_bound", "nafath.app-bound-device"


def cookie_set(response, name: str, value: str, days: int) -> None:
    response.set_cookie(name, value, max_age=days * 86400, httponly=True, secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")


def signed_cookie(request, name: str, salt: str, days: int) -> dict | None:
    raw = request.COOKIES.get(name)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=salt, max_age=days * 86400)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def browser_owner(request):
    """The person this browser belongs to, as far as the portal knows: the one signed in, else the
    one who last signed in with Nafath here (a signed cookie). nafath_request_start treats a start
    for that person's ID number as the owner's own."""
    if request.person is not None:
        return request.person
    data = signed_cookie(request, KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_SALT, settings.NAFATH_KNOWN_BROWSER_DAYS)
    return selectors.person_for_known_browser(person_id=data.get("p")) if data else None


def remember_browser(request, response):
    """After a Nafath sign-in in this browser: remember it as the person's own."""
    if request.person is not None:
        value = signing.dumps({"p": request.person.pk}, salt=KNOWN_BROWSER_SALT)
        cookie_set(response, KNOWN_BROWSER_COOKIE, value, settings.NAFATH_KNOWN_BROWSER_DAYS)
    return response
