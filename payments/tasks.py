"""Tasks take an id and call one service; each may run twice without harm."""
from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def payment_fulfil_task(payment_id: int):
    from payments.services import payment_fulfil

    return payment_fulfil(payment_id=payment_id)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def payment_refund_handover_task(payment_id: int):
    from payments.services import payment_refund_handover

    return payment_refund_handover(payment_id=payment_id)


@shared_task(acks_late=True)
def payment_expire_due_task():
    from payments.services import payment_expire_due

    return payment_expire_due()


@shared_task(acks_late=True)
def payment_fulfil_sweep_task():
    from payments.services import payment_fulfil_sweep

    return payment_fulfil_sweep()


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def payment_lapse_handover_task(payment_id: int):
    from payments.services import payment_lapse_handover

    return payment_lapse_handover(payment_id=payment_id)
