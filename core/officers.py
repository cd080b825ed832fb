"""Officers' admin login: a second factor (TOTP, django-otp) on top of the password, with the
lock-out of django-axes in front (settings in base.py, README "Security").

`OfficerAdminSite` replaces the admin site's class (absher/urls.py): while ADMIN_OTP_REQUIRED is on
(always under production settings) only a staff user verified by one of their confirmed OTP devices
in this session has the admin; the login form asks for the password and the 6-digit code in one
step. `officer_verified` is the same rule for officer pages outside the admin (a pending device's
selfie, a renewal's photo)."""

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.oath import TOTP


def otp_required() -> bool:
    return bool(getattr(settings, "ADMIN_OTP_REQUIRED", True))


def officer_verified(user, perm: str | None = None) -> bool:
    """An active staff user (with `perm`, when given) who passed the second factor when it is required."""
    if user is None or not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if perm and not user.has_perm(perm):
        return False
    return not otp_required() or (hasattr(user, "is_verified") and user.is_verified())


class OfficerLoginForm(OTPAdminAuthenticationForm):
    """Username, password and the code of the officer's authenticator app, in one step."""

    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"}),
    )
    otp_error_messages = dict(
        OTPAuthenticationFormMixin.otp_error_messages,
        token_required=_("Enter the 6-digit code from your authenticator app."),
        invalid_token=_("The code is not correct. Enter the current code from your authenticator app."),
        n_failed_attempts=ngettext_lazy(
            "Too many wrong codes (%(failure_count)d): codes are refused for a while. Try again soon.",
            "Too many wrong codes (%(failure_count)d): codes are refused for a while. Try again soon.",
            "failure_count",
        ),
        verification_not_allowed=_("Codes are refused for a while. Try again soon."),
        device_required=_("Enter the 6-digit code from your authenticator app."),
    )

    def _chosen_device(self, user):
        """The device picked in the form (none in our one-step form): else the officer's newest
        confirmed TOTP device, the authenticator he enrolled last (officer_totp)."""
        device = super()._chosen_device(user)
        if device is None and user is not None:
            from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

            device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()
        return device

    def clean(self):
        # The password first (AdminAuthenticationForm: authenticate, through django-axes).
        self.cleaned_data = super(OTPAdminAuthenticationForm, self).clean()
        if otp_required():
            user = self.get_user()
            if user is not None and not user_has_device(user):
                raise forms.ValidationError(
                    _("No authenticator is enrolled for this account. Ask an administrator to run manage.py officer_totp for you."),
                    code="no_device",
                )
            self.clean_otp(user)
        return self.cleaned_data


class AuthenticatorForm(forms.Form):
    name = forms.CharField(label=_("Name of this authenticator"), max_length=64, required=False)
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"}),
    )


NEW_TOTP_KEY = "officer_totp_new_key"


class OfficerAdminSite(OTPAdminSite):
    login_form = OfficerLoginForm
    login_template = "admin/officer_login.html"

    def get_urls(self):
        return [path("officer/authenticator/", self.admin_view(self.authenticator_view), name="officer_authenticator"), *super().get_urls()]

    def authenticator_view(self, request):
        """A signed-in, verified officer adds an authenticator (a new phone): a new secret as a QR code,
        kept in the session until the new app's first code confirms it."""
        from django_otp.plugins.otp_totp.models import TOTPDevice, default_key  # noqa: PLC0415

        key = request.session.get(NEW_TOTP_KEY)
        if not key or request.method == "GET":
            key = request.session[NEW_TOTP_KEY] = default_key()
        form = AuthenticatorForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            probe = TOTPDevice(user=request.user, key=key)
            token = form.cleaned_data["token"].strip()
            if token.isdigit() and TOTP(probe.bin_key, step=probe.step, t0=probe.t0, digits=probe.digits).verify(int(token), tolerance=1):
                officer_totp_enrol(user=request.user, name=form.cleaned_data["name"] or "authenticator", key_hex=key)
                del request.session[NEW_TOTP_KEY]
                messages.success(request, _("The new authenticator is enrolled. Its codes now open the admin."))
                return redirect("admin:index")
            form.add_error("token", _("The code is not correct. Enter the current code from your authenticator app."))
        probe = TOTPDevice(user=request.user, key=key, name="authenticator")
        context = {
            **self.each_context(request),
            "title": _("Add an authenticator"),
            "form": form,
            "qr_svg": segno.make(probe.config_url, error="m").svg_inline(scale=5),
            "secret": totp_secret_b32(probe),
            "devices": TOTPDevice.objects.filter(user=request.user, confirmed=True).order_by("id"),
        }
        return render(request, "admin/officer_authenticator.html", context)

    def has_permission(self, request):
        if otp_required():
            return super().has_permission(request)
        return super(OTPAdminSite, self).has_permission(request)

    def login(self, request, extra_context=None):
        return super().login(request, {**(extra_context or {}), "otp_required": otp_required()})


def officer_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out admin login (AXES_LOCKOUT_CALLABLE): a translated page, 429."""
    context = {
        **admin.site.each_context(request),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": settings.AXES_COOLOFF_MINUTES,
    }
    response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(settings.AXES_COOLOFF_MINUTES * 60)
    return response


# --- enrolling an officer's authenticator (manage.py officer_totp, seed_demo's demo officer) ------
def officer_totp_enrol(*, user, name: str = "authenticator", key_hex: str | None = None, replace: bool = False):
    """Give a staff user a confirmed TOTP device (a new random secret unless `key_hex` is given);
    with `replace`, the user's other TOTP devices are deleted first. Returns the device; its
    `config_url` (otpauth://…) is what the QR code carries."""
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415 - the app's models load late

    if not user.is_staff:
        raise ValueError(f"{user.get_username()} is not staff: only officers get an authenticator")
    if replace:
        TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice(user=user, name=name[:64], confirmed=True)
    if key_hex:
        device.key = key_hex
    device.save()
    return device


def totp_secret_b32(device) -> str:
    """The base32 secret an authenticator app asks for when the QR cannot be scanned."""
    from base64 import b32encode  # noqa: PLC0415

    return b32encode(device.bin_key).decode()


def totp_qr_text(device) -> str:
    """The otpauth URL as a QR code drawn with block characters (for a terminal)."""
    import io  # noqa: PLC0415

    buf = io.StringIO()
    segno.make(device.config_url, error="m").terminal(out=buf, compact=True)
    return buf.getvalue()


def officer_client_ip(request) -> str | None:
    """django-axes' client address (AXES_CLIENT_IP_CALLABLE): core.api.client_ip, None when the
    request carries none (Django's login() outside a request, e.g. force_login in tests)."""
    from core.api import client_ip  # noqa: PLC0415 - core.api loads DRF

    ip = client_ip(request) if request is not None else ""
    return None if ip in ("", "unknown") else ip
