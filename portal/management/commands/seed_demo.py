import json

from django.core.management.base import BaseCommand

from portal.demo import seed


class Command(BaseCommand):
    help = "Create or refresh the demo people of API.md (idempotent). --json prints their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print people, device tokens, PINs and dependents as JSON")

    def handle(self, *args, **opts):
        out = seed()
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            for persona, p in out["people"].items():
                self.stdout.write(f"{persona:22} ID {p['id_number']}  Nafath PIN {p['nafath_pin']}")
            self.stdout.write(f"{len(out['dependents'])} dependents of head_of_family; officer login: officer (see README)")
