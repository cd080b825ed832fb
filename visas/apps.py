from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from payments import hooks


class VisasConfig(AppConfig):
    name = "visas"
    verbose_name = _("Exit/re-entry visas")

    def ready(self):
        # Payments reaches the visas only through these hooks (dotted paths, called from a worker).
        hooks.register(
            "visa",
            on_paid="visas.services.application_on_paid",
            on_lapsed="visas.services.application_on_payment_lapsed",
            detail_url_name="visas:application",
        )
        hooks.register(
            "visa_extension",
            on_paid="visas.services.extension_on_paid",
            on_lapsed="visas.services.extension_on_payment_lapsed",
            detail_url_name="visas:detail",
        )
