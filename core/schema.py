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
