"""Celery tasks of the ID renewal flow: each takes an id (or nothing), calls one service, and is
safe to run twice. photo_check_* tasks are routed to the `faces` queue (settings.CELERY_TASK_ROUTES)."""
from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=45, time_limit=60,
             autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=3)
def photo_check_renewal_task(renewal_id: int):
    from civil_affairs.services import renewal_photo_check

    return renewal_photo_check(renewal_id=renewal_id)


@shared_task(acks_late=True)
def renewal_process_task(renewal_id: int):
    from civil_affairs.services import renewal_process

    return renewal_process(renewal_id=renewal_id)


@shared_task(acks_late=True)
def renewal_photo_check_sweep():
    from civil_affairs.services import renewal_photo_check_sweep as sweep

    return sweep()


@shared_task(acks_late=True)
def renewal_card_progress():
    from civil_affairs.services import renewal_card_progress as progress

    return progress()


@shared_task(acks_late=True)
def renewal_photo_purge():
    from civil_affairs.services import renewal_photo_purge as purge

    return purge()
