from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivilAffairsConfig(AppConfig):
    name = "civil_affairs"
    verbose_name = _("Civil affairs")
