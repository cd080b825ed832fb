"""One error type for the whole portal and one renderer for the API's error shape:
{"error": {"code": "UPPER_SNAKE_CODE", "message": "...", "details": {...}}}."""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
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


def api_exception_handler(exc, context):
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
    if _is_api(request):
        return JsonResponse(error_body("SERVER_ERROR", _("Something went wrong on our side. Try again later.")), status=500)
    return server_error(request, template_name="500.html")
