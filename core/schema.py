"""OpenAPI descriptions of the two credentials: citizens' bearer tokens and Nafath devices."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "nafath.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Access token from a completed Nafath login."}


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "nafath.authentication.DeviceTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Device <device_token>` of a registered Nafath app.",
        }


# --- one error body for every error answer ------------------------------------------------------
ERROR_COMPONENT = "Error"
_ERROR_SCHEMA = {
    "type": "object",
    "description": 'Every error answer: {"error": {"code", "message", "details"}} (core.errors).',
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "UPPER_SNAKE_CASE, stable: clients branch on it."},
                "message": {"type": "string", "description": "For people, in the language asked for (Accept-Language)."},
                "details": {"type": "object", "additionalProperties": {}, "description": "Machine-readable facts, by code."},
            },
            "required": ["code", "message", "details"],
        }
    },
    "required": ["error"],
}
_DESCRIPTIONS = {
    "400": "Invalid input (VALIDATION_ERROR, MALFORMED_REQUEST, INVALID_IMAGE, ...).",
    "401": "NOT_AUTHENTICATED: the credential is missing, invalid or expired.",
    "402": "The payment was declined.",
    "403": "PERMISSION_DENIED.",
    "404": "NOT_FOUND (also what another person's object answers).",
    "409": "The request's current state does not allow this (INVALID_STATE, STALE_VERSION, ...).",
    "410": "Gone: expired.",
    "412": "Precondition failed.",
    "413": "The upload is too large.",
    "415": "UNSUPPORTED_MEDIA_TYPE.",
    "422": "The Idempotency-Key was used with a different body.",
    "423": "Locked.",
    "429": "RATE_LIMITED; Retry-After says when to try again.",
    "503": "SERVICE_UNAVAILABLE (the database, cache or broker is briefly down) or ENGINE_UNAVAILABLE; Retry-After.",
}
_UNSAFE = {"post", "put", "patch", "delete"}


def _statuses_for(path: str, method: str, op: dict) -> set[str]:
    """The error statuses any operation of this kind can answer (core.errors, the services)."""
    statuses = {"400", "503"}
    security = op.get("security") or []
    if security and {} not in security:
        statuses |= {"401", "403"}
    if "{" in path or any(p.get("in") == "query" for p in op.get("parameters") or []):
        statuses.add("404")  # the object named in the path or the query is not found (or is someone else's)
    if method in _UNSAFE:
        statuses |= {"404", "409", "429"}
    if "requestBody" in op:
        statuses.add("415")
    return statuses


def error_responses_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation lists its error statuses, and every
    error answer (documented by a view or added here) is the one `Error` component, so clients
    can generate one error type."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_COMPONENT] = _ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path, ops in result.get("paths", {}).items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete") or not isinstance(op, dict):
                continue
            responses = op.setdefault("responses", {})
            for status in _statuses_for(path, method, op):
                responses.setdefault(status, {"description": _DESCRIPTIONS[status]})
            for status, resp in responses.items():
                if str(status)[0] in "45":
                    resp["content"] = {"application/json": {"schema": dict(ref)}}
                    if not resp.get("description"):
                        resp["description"] = _DESCRIPTIONS.get(str(status), "Error.")
            op["responses"] = dict(sorted(responses.items()))
    # Error components a view declared on its own are now unused: one error body only.
    text = str(result.get("paths"))
    for name in [n for n in schemas if n != ERROR_COMPONENT and n.endswith(("Error", "ErrorBody"))]:
        if f"/{name}'" not in text:
            schemas.pop(name)
    return result
