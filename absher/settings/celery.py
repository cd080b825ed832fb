"""Celery: every CELERY_* setting and the beat schedule (absher/celery.py reads the CELERY_
names). Imported by base.py."""

from .domain import NAFATH_EXPIRE_PERIOD_SECONDS, SWEEP_PERIOD_SECONDS
from .environment import REDIS_URL, env

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
# Longer than any task's time limit and any countdown/ETA we use, so Redis does not
# redeliver a message that is still being worked on.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # A request that queues work after commit must not hang on a broker that is down: give
    # up quickly (core.transitions.enqueue logs it; the sweepers re-queue the work).
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"civil_affairs.tasks.photo_check_*": {"queue": "faces"}}
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Riyadh"

# The sweepers run every SWEEP_PERIOD_SECONDS (domain.py): lost work is picked up within
# SWEEP_LOST_WORK_AFTER_SECONDS + SWEEP_PERIOD_SECONDS, 45 s by default.

# Periodic tasks (run by `celery -A absher beat`): each app's sweepers and clocks, in seconds.
CELERY_BEAT_SCHEDULE = {
    # civil_affairs: national ID renewal
    "id-renewal-photo-check-sweep": {"task": "civil_affairs.tasks.renewal_photo_check_sweep", "schedule": SWEEP_PERIOD_SECONDS},
    "id-renewal-card-progress": {"task": "civil_affairs.tasks.renewal_card_progress", "schedule": 300},
    "id-renewal-photo-purge": {"task": "civil_affairs.tasks.renewal_photo_purge", "schedule": 60 * 60 * 6},
    # nafath: login requests
    "nafath-expire-requests": {"task": "nafath.tasks.nafath_requests_expire", "schedule": NAFATH_EXPIRE_PERIOD_SECONDS},
    # payments
    "payments-expire": {"task": "payments.tasks.payment_expire_due_task", "schedule": 300},
    "payments-fulfil-sweep": {"task": "payments.tasks.payment_fulfil_sweep_task", "schedule": SWEEP_PERIOD_SECONDS},
    # passports: family iqama renewal
    "iqama-renewal-processing-sweep": {"task": "passports.tasks.renewal_processing_sweep_task", "schedule": SWEEP_PERIOD_SECONDS},
    # visas: exit/re-entry (lapse unused visas with their fine; warn VISA_LAPSE_WARNING_DAYS before)
    "visa-lapse-sweep": {"task": "visas.tasks.visa_lapse_sweep_task", "schedule": 60 * 30},
    "visa-lapse-warning-sweep": {"task": "visas.tasks.visa_lapse_warning_sweep_task", "schedule": 60 * 60},
    # notifications
    "notifications-delivery-sweep": {"task": "notifications.tasks.notification_delivery_sweep_task", "schedule": SWEEP_PERIOD_SECONDS},
}
