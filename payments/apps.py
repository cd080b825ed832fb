from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from payments import registry

        # Paying a selection of fines and violations from the outstanding page: nothing to follow
        # afterwards but the receipt.
        registry.register("outstanding", on_paid="payments.services.outstanding_on_paid")
