import logging
import os

from celery import Celery, current_app
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "absher.settings.base")

app = Celery("absher")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
log = logging.getLogger("absher.celery")


@worker_process_init.connect
def _warm_up_face_engine(**kwargs):
    """Load the face models once per worker process (when its queues include `faces`), so
    no photo check pays the model-loading cost. FACE_WARM_UP=0 turns it off."""
    if os.environ.get("FACE_WARM_UP", "1") == "0":
        return
    queues = {q.name for q in (current_app.amqp.queues.consume_from or {}).values()} if current_app.amqp.queues.consume_from else set()
    if queues and "faces" not in queues:
        return
    try:
        from biometrics.face import face_engine_warm_up  # noqa: PLC0415 - the worker imports the face engine only when it warms up

        log.info("face engine warmed up: %s", face_engine_warm_up())
    except Exception:
        log.exception("face engine warm-up failed")
