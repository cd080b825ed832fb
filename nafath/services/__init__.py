"""Every write of Nafath: the sign-in requests (login), what a completed one gives: tokens and a
browser session (claims), the app's PIN sign-in (app_sign_in), the devices (devices) and their
activation (activation), the rate limits (limits), the OpenID Connect side (oidc) and what a
person does about their own activity (activity)."""

from nafath.services.activation import device_activation_complete, device_activation_start, device_activation_verify, pin_validate
from nafath.services.activity import activity_disown
from nafath.services.app_sign_in import nafath_app_sign_in
from nafath.services.claims import (
    access_token_issue,
    access_token_revoke,
    nafath_request_session_bind,
    nafath_request_token_claim,
    nafath_request_web_claim,
)
from nafath.services.devices import device_approve, device_pin_check, device_register, device_revoke, device_selfie_read
from nafath.services.login import (
    SERVICE_PORTAL_SIGN_IN,
    nafath_request_answer,
    nafath_request_cancel,
    nafath_request_expire,
    nafath_request_expire_overdue,
    nafath_request_refresh,
    nafath_request_start,
)
from nafath.services.oidc import oidc_auth_time_mark, oidc_person_for_user, oidc_subject_user, oidc_tokens_revoke, pairwise_sub

__all__ = [
    "SERVICE_PORTAL_SIGN_IN",
    "access_token_issue",
    "access_token_revoke",
    "activity_disown",
    "device_activation_complete",
    "device_activation_start",
    "device_activation_verify",
    "device_approve",
    "device_pin_check",
    "device_register",
    "device_revoke",
    "device_selfie_read",
    "nafath_app_sign_in",
    "nafath_request_answer",
    "nafath_request_cancel",
    "nafath_request_expire",
    "nafath_request_expire_overdue",
    "nafath_request_refresh",
    "nafath_request_session_bind",
    "nafath_request_start",
    "nafath_request_token_claim",
    "nafath_request_web_claim",
    "oidc_auth_time_mark",
    "oidc_person_for_user",
    "oidc_subject_user",
    "oidc_tokens_revoke",
    "pairwise_sub",
    "pin_validate",
]
