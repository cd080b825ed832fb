from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NafathConfig(AppConfig):
    name = "nafath"
    verbose_name = _("Nafath sign-in")
