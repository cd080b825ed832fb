from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from payments import hooks


class CivilAffairsConfig(AppConfig):
    name = "civil_affairs"
    verbose_name = _("Civil affairs")

    def ready(self):
        hooks.register(
            "id_renewal",
            on_paid="civil_affairs.services.renewal_on_paid",
            on_refunded="civil_affairs.services.renewal_on_refunded",
            on_lapsed="civil_affairs.services.renewal_on_payment_lapsed",
            detail_url_name="civil_affairs:detail",
        )
