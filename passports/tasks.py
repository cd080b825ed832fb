from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def renewal_process_task(renewal_id: int):
    """Re-check every rule after the payment arrived; safe to run twice (status guard)."""
    from passports.services import renewal_process

    return renewal_process(renewal_id=renewal_id).status


@shared_task
def renewal_processing_sweep_task():
    from passports.services import renewal_processing_sweep

    return renewal_processing_sweep()
