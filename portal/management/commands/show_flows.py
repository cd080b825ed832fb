"""Print every flow's transition table (core.transitions.Flow) as Markdown: the README's
"How it is built" section is generated from this, so the document and the code say the same."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand

from core import transitions


class Command(BaseCommand):
    help = "Print the transition table of every flow as Markdown."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            try:
                import_module(f"{config.name}.flow")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.flow":
                    raise
        for flow in sorted({id(f): f for f in transitions._FLOWS.values()}.values(), key=lambda f: f.name):
            label = flow.model._meta.label
            self.stdout.write(f"**{flow.name}** (`{label}`, history in `{flow.history._meta.label}`)\n\n")
            self.stdout.write("| from | action → to |\n| --- | --- |\n")
            for status in flow.statuses:
                moves = flow.moves.get(status, {})
                cell = ", ".join(f"`{a}` → {to}" for a, to in moves.items()) or "final"
                self.stdout.write(f"| {status} | {cell} |\n")
            self.stdout.write("\n")
