from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassportsConfig(AppConfig):
    name = "passports"
    verbose_name = _("Passports")

    def ready(self):
        from payments import hooks

        hooks.register("iqama_renewal", on_paid="passports.services.renewal_on_paid",
                          on_refunded="passports.services.renewal_on_refunded", detail_url_name="passports:detail",
                          on_lapsed="passports.services.renewal_on_payment_lapsed")
