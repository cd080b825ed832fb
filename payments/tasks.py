"""Tasks take an id and call one service; each may run twice without harm. Services queue them
by dotted path (core.transitions.enqueue), so the import goes one way: tasks → services."""

from celery import shared_task

from payments import services


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def payment_fulfil_task(payment_id: int):
    return services.payment_fulfil(payment_id=payment_id)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def payment_refund_handover_task(payment_id: int):
    return services.payment_refund_handover(payment_id=payment_id)


@shared_task(acks_late=True)
def payment_expire_due_task():
    return services.payment_expire_due()


@shared_task(acks_late=True)
def payment_fulfil_sweep_task():
    return services.payment_fulfil_sweep()


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def payment_lapse_handover_task(payment_id: int):
    return services.payment_lapse_handover(payment_id=payment_id)
