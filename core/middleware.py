import functools
import json
import time

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from core.errors import error_body, plain_page
from core.people import person_model
from core.views import health

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


class HealthCheckMiddleware:
    """First in MIDDLEWARE: /health/ answers here, before the HTTPS redirect and the host check,
    so docker-compose's healthcheck (plain HTTP to 127.0.0.1 inside the container) passes under
    production settings whatever ALLOWED_HOSTS names. It tells only whether the database and
    Redis answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/health/" and request.method in ("GET", "HEAD"):
            return health(request)
        return self.get_response(request)


def _signed_in(request) -> bool:
    """A citizen's session or an officer's, read from the session already loaded (no query for
    the user); when it cannot be read (the database is down) assume signed in: no-store."""
    if getattr(request, "person", None) is not None:
        return True
    try:
        return bool(request.session.get(SESSION_PERSON_KEY) or request.session.get("_auth_user_id"))
    except Exception:  # noqa: BLE001 - a session store that is down: the safe answer
        return True


def camera_allowed(view):
    """For the one page that uses the camera (the ID photo): Permissions-Policy with
    camera=(self) instead of the site-wide camera=()."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Permissions-Policy"] = settings.PERMISSIONS_POLICY_CAMERA
        return response

    return wrapper


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response (no camera, microphone, geolocation or payment
    API, except what a view allowed with camera_allowed) and `Cache-Control: no-store` on every
    API response and every page shown to someone signed in (a citizen's session or an
    officer's), so no shared or back-button cache keeps personal data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if (request.path.startswith("/api/") or _signed_in(request)) and "no-store" not in response.headers.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


def _bad_text(value: str) -> bool:
    """NUL (PostgreSQL cannot store it) or a lone surrogate (not encodable as UTF-8)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _walk_json(node, where: str, out: list) -> None:
    if isinstance(node, str):
        if _bad_text(node):
            out.append(where or "body")
    elif isinstance(node, dict):
        for k, v in node.items():
            name = f"{where}.{k}" if where else str(k)
            if isinstance(k, str) and _bad_text(k):
                out.append(where or "body")
            _walk_json(v, name, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _walk_json(v, f"{where}[{i}]", out)


class InvalidTextMiddleware:
    """NUL characters and invalid text (lone surrogates) anywhere in a header, the query string,
    a form or a JSON body are refused with 400 INVALID_TEXT (the API's error shape, or a plain page),
    before any view, form or query sees them: never a 500 from the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = self._bad_fields(request)
        if bad:
            return self._refuse(request, bad)
        return self.get_response(request)

    @staticmethod
    def _bad_fields(request) -> list[str]:
        bad = [
            name[5:].replace("_", "-").title() for name, value in request.META.items() if name.startswith("HTTP_") and "\x00" in str(value)
        ]
        raw_query = request.META.get("QUERY_STRING", "")
        if "%00" in raw_query or "\x00" in raw_query:
            bad.append("query")
        for key, values in request.GET.lists():
            if _bad_text(key) or any(_bad_text(v) for v in values):
                bad.append(key if not _bad_text(key) else "query")
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            ctype = request.content_type or ""
            if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                try:
                    fields = request.POST.lists()
                    files = list(request.FILES.items())
                except Exception:  # noqa: BLE001 - a malformed body: the view answers it (400)
                    return bad
                for key, values in fields:
                    if _bad_text(key) or any(_bad_text(v) for v in values):
                        bad.append(key if not _bad_text(key) else "body")
                bad += [key for key, f in files if _bad_text(f.name or "")]
            elif ctype.endswith("json") and request.path.startswith("/api/"):
                try:
                    body = json.loads(request.body or b"null")
                except Exception:  # noqa: BLE001 - not JSON: the parser answers MALFORMED_REQUEST
                    return bad
                _walk_json(body, "", bad)
        return sorted(set(bad))

    @staticmethod
    def _refuse(request, fields: list[str]):
        message = translation.gettext("Some fields contain characters that are not allowed (a NUL character or invalid text).")
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("INVALID_TEXT", message, {"fields": fields}), status=400)
        return plain_page(title=message, message=message, status=400)
