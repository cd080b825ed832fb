"""DRF authentication: `Authorization: Bearer <access_token>` for citizens and
`Authorization: Device <device_token>` for the Nafath app."""

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from nafath.models import AccessToken, Device
from nafath.tokens import token_digest


def _credential(request, keyword: str) -> str | None:
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != keyword.lower().encode():
        return None
    if len(parts) != 2:
        raise AuthenticationFailed("bad header") from None
    try:
        return parts[1].decode()
    except UnicodeError:
        raise AuthenticationFailed("bad header") from None


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        raw = _credential(request, self.keyword)
        if raw is None:
            return None
        token = (
            AccessToken.objects.select_related("person")
            .filter(token_digest=token_digest(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if token is None:
            raise AuthenticationFailed("invalid token")
        return token.person, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class DeviceTokenAuthentication(BaseAuthentication):
    keyword = "Device"

    def authenticate(self, request):
        raw = _credential(request, self.keyword)
        if raw is None:
            return None
        device = Device.objects.select_related("person").filter(token_digest=token_digest(raw), status=Device.Status.ACTIVE).first()
        if device is None:
            raise AuthenticationFailed("invalid device token")
        return device.person, device

    def authenticate_header(self, request):
        return 'Device realm="nafath"'
