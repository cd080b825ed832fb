from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BiometricsConfig(AppConfig):
    """The face engine every service shares (ID renewal's selfie, Nafath device activation):
    hostile-upload sanitising, quality rules, face match, the photo on file. It knows people
    (registry) and nothing of the services that call it."""

    name = "biometrics"
    verbose_name = _("Biometrics")
