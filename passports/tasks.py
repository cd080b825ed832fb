"""Workers of the family iqama renewal: each takes an id (or nothing) and calls one service."""

from celery import shared_task

from passports.services import renewal_process, renewal_processing_sweep


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def renewal_process_task(renewal_id: int):
    """Re-check every rule after the payment arrived; safe to run twice (the flow's table guards it)."""
    return renewal_process(renewal_id=renewal_id).status


@shared_task
def renewal_processing_sweep_task():
    return renewal_processing_sweep()
