from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from payments import hooks


class FinesConfig(AppConfig):
    name = "fines"
    verbose_name = _("Fines and violations")

    def ready(self):
        # Paying a selection of fines and violations: nothing to follow afterwards but the receipt.
        hooks.register("outstanding", on_paid="fines.services.outstanding_on_paid")
