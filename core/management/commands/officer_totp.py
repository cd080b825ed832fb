"""Enrol an officer's authenticator app (TOTP, the admin's second factor): prints the QR code,
the otpauth URL and the secret; --svg/--png also writes the QR to a file."""

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.officers import officer_totp_enrol, totp_qr_text, totp_secret_b32


class Command(BaseCommand):
    help = "Give a staff user a TOTP authenticator for the admin and show its QR code (scan it once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="a label for the device")
        parser.add_argument("--replace", action="store_true", help="delete the user's other TOTP devices first (a lost phone)")
        parser.add_argument("--svg", help="also write the QR code to this SVG file")
        parser.add_argument("--png", help="also write the QR code to this PNG file")
        parser.add_argument("--code", action="store_true", help="development only (DEBUG): print the current code of the user's device")

    def handle(self, *args, **opts):
        user = get_user_model().objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"No user {opts['username']!r}.")
        if opts["code"]:
            return self._code(user)
        try:
            device = officer_totp_enrol(user=user, name=opts["name"], replace=opts["replace"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        qr = segno.make(device.config_url, error="m")
        for path, kind in ((opts["svg"], "svg"), (opts["png"], "png")):
            if path:
                qr.save(path, kind=kind, scale=6)
                self.stdout.write(f"QR code written to {path}")
        self.stdout.write(totp_qr_text(device))
        self.stdout.write(f"Scan it with an authenticator app, or enter the secret {totp_secret_b32(device)} (TOTP, 6 digits, 30 s).")
        self.stdout.write(f"otpauth URL: {device.config_url}")
        self.stdout.write("Show this once to the officer only; the admin login now asks for the app's code.")

    def _code(self, user):
        from django_otp.oath import totp  # noqa: PLC0415
        from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

        if not settings.DEBUG:
            raise CommandError("--code only works while DEBUG is on (development): a real officer reads the code in his app.")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
        if device is None:
            raise CommandError(f"{user.get_username()} has no authenticator; run manage.py officer_totp {user.get_username()}.")
        self.stdout.write(f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}")
