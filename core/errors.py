"""One error type for the whole portal and one renderer for the API's error shape:
{"error": {"code": "UPPER_SNAKE_CODE", "message": "...", "details": {...}}}."""

import logging
import sys

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError as DbInterfaceError
from django.db import OperationalError as DbOperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.template import engines
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found, server_error
from rest_framework import exceptions as drf_exc
from rest_framework import status
from rest_framework.response import Response

log = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A failure the user can act on. `status` is the HTTP status the API answers with."""

    def __init__(self, code: str, message: str, details: dict | None = None, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.details = details or {}
        self.status = status

    def __str__(self):
        return f"{self.code}: {self.message}"


class NotFound(ApplicationError):
    def __init__(self, message=None):
        super().__init__("NOT_FOUND", message or _("Not found."), status=404)


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


def _flatten(detail):
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [str(x) if not isinstance(x, (dict, list)) else _flatten(x) for x in detail]
    return str(detail)


# A backing service that is down or unreachable (the database, the cache, the broker): the
# request may well succeed a little later, so the answer is 503 with Retry-After, never 500.
OUTAGE_ERRORS = (
    DbOperationalError,
    DbInterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)


def is_outage(exc) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def _retry_after() -> str:
    return str(getattr(settings, "SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS", 30))


def _outage_message() -> str:
    return _("The service is briefly unavailable. Try again in a moment.")


def service_unavailable_api_body() -> dict:
    return error_body("SERVICE_UNAVAILABLE", _outage_message(), {"retry_after": int(_retry_after())})


_PLAIN_PAGE = """<!DOCTYPE html><html lang="{{ lang }}" dir="{{ dir }}"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><h1>{{ message }}</h1></body></html>"""


def plain_page(*, title: str, message: str, status: int) -> HttpResponse:
    """A page that needs neither the database, the cache nor the site's templates (an outage, a
    request refused before any view): the message in the request's language and direction."""
    html = (
        engines["django"]
        .from_string(_PLAIN_PAGE)
        .render(
            {
                "lang": get_language() or settings.LANGUAGE_CODE,
                "dir": "rtl" if get_language_bidi() else "ltr",
                "title": title,
                "message": message,
            }
        )
    )
    return HttpResponse(html, status=status)


def service_unavailable_response(request, exc=None):
    """503 with Retry-After: the API's error shape under /api/, a plain page elsewhere. Touches
    neither the database nor the cache (either may be the one that is down)."""
    if exc is not None:
        log.warning("Backing service unavailable on %s: %s", request.path, exc.__class__.__name__, exc_info=exc)
    if _is_api(request):
        resp = JsonResponse(service_unavailable_api_body(), status=503)
    else:
        resp = plain_page(title=_("Briefly unavailable"), message=_outage_message(), status=503)
    resp["Retry-After"] = _retry_after()
    resp["Cache-Control"] = "no-store"
    return resp


def api_exception_handler(exc, context):
    if is_outage(exc):
        resp = Response(service_unavailable_api_body(), status=503, headers={"Retry-After": _retry_after()})
        log.warning("Backing service unavailable: %s", exc.__class__.__name__, exc_info=exc)
        return resp
    if isinstance(exc, ApplicationError):
        resp = Response(error_body(exc.code, exc.message, exc.details), status=exc.status)
        if exc.status == 429 and "retry_after" in exc.details:
            resp["Retry-After"] = str(exc.details["retry_after"])
        return resp
    if isinstance(exc, Http404):
        return Response(error_body("NOT_FOUND", _("Not found.")), status=404)
    if isinstance(exc, PermissionDenied):
        return Response(error_body("PERMISSION_DENIED", _("You may not do this.")), status=403)
    if isinstance(exc, (drf_exc.NotAuthenticated, drf_exc.AuthenticationFailed)):
        return Response(
            error_body("NOT_AUTHENTICATED", _("Sign in first: the access token is missing, invalid or expired.")),
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if isinstance(exc, drf_exc.ValidationError):
        detail = exc.detail
        fields = _flatten(detail) if isinstance(detail, dict) else {"non_field_errors": _flatten(detail)}
        return Response(
            error_body("VALIDATION_ERROR", _("Some fields are not valid."), {"fields": fields}),
            status=400,
        )
    if isinstance(exc, drf_exc.MethodNotAllowed):
        return Response(error_body("METHOD_NOT_ALLOWED", _("This method is not allowed here.")), status=405)
    if isinstance(exc, drf_exc.Throttled):
        return Response(
            error_body("RATE_LIMITED", _("Too many requests. Try again later."), {"retry_after": exc.wait}),
            status=429,
        )
    if isinstance(exc, drf_exc.UnsupportedMediaType):
        return Response(error_body("UNSUPPORTED_MEDIA_TYPE", _("This content type is not supported.")), status=415)
    if isinstance(exc, drf_exc.ParseError):
        return Response(error_body("MALFORMED_REQUEST", _("The request body could not be read.")), status=400)
    if isinstance(exc, drf_exc.PermissionDenied):
        return Response(error_body("PERMISSION_DENIED", _("You may not do this.")), status=403)
    if isinstance(exc, drf_exc.NotFound):
        return Response(error_body("NOT_FOUND", _("Not found.")), status=404)
    if isinstance(exc, drf_exc.APIException):
        return Response(error_body(str(exc.default_code).upper(), str(exc.detail)), status=exc.status_code)
    log.exception("Unhandled API error", exc_info=exc)
    return Response(
        error_body("SERVER_ERROR", _("Something went wrong on our side. Try again later.")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _is_api(request):
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("NOT_FOUND", _("Not found.")), status=404)
    return page_not_found(request, exception, template_name="404.html")


def handler500(request):
    # Django calls this inside its `except` block: a database, cache or broker outage raised
    # anywhere (a view, a middleware, the session) is a 503 with Retry-After, not a 500.
    exc = sys.exc_info()[1]
    if exc is not None and is_outage(exc):
        return service_unavailable_response(request, exc)
    if _is_api(request):
        return JsonResponse(error_body("SERVER_ERROR", _("Something went wrong on our side. Try again later.")), status=500)
    return server_error(request, template_name="500.html")
