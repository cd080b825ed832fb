import time

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from core.people import person_model

SESSION_PERSON_KEY = "person_id"
SESSION_LAST_SEEN_KEY = "last_seen"


def _supported(code: str | None) -> str | None:
    code = (code or "").strip().lower()[:2]
    return code if code in dict(settings.LANGUAGES) else None


def language_for(request) -> str:
    """Arabic unless asked otherwise: pages follow the toggle's cookie, the API follows
    Accept-Language (its first supported entry)."""
    if request.path.startswith("/api/"):
        for part in request.META.get("HTTP_ACCEPT_LANGUAGE", "").split(","):
            lang = _supported(part.split(";")[0])
            if lang:
                return lang
        return settings.LANGUAGE_CODE
    return _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) or settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        lang = language_for(request)
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", lang)
        translation.deactivate()
        return response


class PersonMiddleware:
    """`request.person`: the citizen or resident signed in on this browser session, or None.
    A session idle for longer than SESSION_IDLE_TIMEOUT is ended."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.person = None
        request.session_expired = False
        pid = request.session.get(SESSION_PERSON_KEY)
        if pid:
            now = int(time.time())
            last = request.session.get(SESSION_LAST_SEEN_KEY, now)
            if now - last > settings.SESSION_IDLE_TIMEOUT:
                request.session.flush()
                request.session_expired = True
            else:
                request.person = person_model().objects.filter(pk=pid).first()
                if request.person is None:
                    request.session.flush()
                elif now - last > 30:  # avoid a session write on every request
                    request.session[SESSION_LAST_SEEN_KEY] = now
        return self.get_response(request)
