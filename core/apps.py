import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

log = logging.getLogger("absher")


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Registry")

    def ready(self):
        import sys

        from core import schema  # noqa: F401  (registers the OpenAPI auth extensions)
        from core.admin_dates import install as admin_dual_dates

        admin_dual_dates()  # the admin's dates in both calendars

        serving = "runserver" in sys.argv or any(n in sys.argv[0] for n in ("gunicorn", "celery"))
        if serving and not settings.REDIS_URL:
            log.warning("REDIS_URL is not set: background tasks run in-process, inside the web request")
