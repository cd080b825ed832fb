from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from payments import hooks


class PassportsConfig(AppConfig):
    name = "passports"
    verbose_name = _("Passports")

    def ready(self):
        # Payments reaches the request only through these hooks (dotted paths, called from a worker).
        hooks.register(
            "iqama_renewal",
            on_paid="passports.services.renewal_on_paid",
            on_refunded="passports.services.renewal_on_refunded",
            detail_url_name="passports:detail",
            on_lapsed="passports.services.renewal_on_payment_lapsed",
        )
