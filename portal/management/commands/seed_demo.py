import json

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.demo import seed


class Command(BaseCommand):
    help = "Create or refresh the demo people of API.md (idempotent). --json prints their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print people, device tokens, PINs and dependents as JSON")
        parser.add_argument(
            "--with-officer",
            action="store_true",
            help="also create the demo officer when DEBUG is off (a demo deployment); a random password, printed once",
        )

    def handle(self, *args, **opts):
        officer = settings.DEBUG or opts["with_officer"]
        if not officer:
            self.stderr.write(
                "Not creating the demo officer: DEBUG is off. Pass --with-officer to create him anyway "
                "(a random password unless DEMO_OFFICER_PASSWORD is set, and a new authenticator; both printed once)."
            )
        out = seed(officer=officer)
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        for persona, p in out["people"].items():
            self.stdout.write(f"{persona:22} ID {p['id_number']}  Nafath PIN {p['nafath_pin']}")
        self.stdout.write(f"{len(out['dependents'])} dependents of head_of_family")
        o = out.get("officer")
        if o:
            password = o.get("password", "(unchanged)")
            self.stdout.write(f"officer login at /admin/: {o['username']} / {password}")
            if o.get("totp_secret"):
                self.stdout.write(
                    f"  authenticator (TOTP) secret {o['totp_secret']}: add it to an authenticator app, "
                    f"or run `manage.py officer_totp {o['username']} --code` (DEBUG only) for the current code"
                )
