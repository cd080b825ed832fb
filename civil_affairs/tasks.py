"""Celery tasks of the ID renewal flow: each takes an id (or nothing), calls one service, and is
safe to run twice. photo_check_* tasks are routed to the `faces` queue (settings.CELERY_TASK_ROUTES).
Services queue them by dotted path (core.transitions.enqueue), so the imports run one way."""

from celery import shared_task

from civil_affairs import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=45,
    time_limit=60,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=3,
)
def photo_check_renewal_task(renewal_id: int):
    return services.renewal_photo_check(renewal_id=renewal_id)


@shared_task(acks_late=True)
def renewal_process_task(renewal_id: int):
    return services.renewal_process(renewal_id=renewal_id)


@shared_task(acks_late=True)
def renewal_photo_check_sweep():
    return services.renewal_photo_check_sweep()


@shared_task(acks_late=True)
def renewal_card_progress():
    return services.renewal_card_progress()


@shared_task(acks_late=True)
def renewal_photo_purge():
    return services.renewal_photo_purge()
