from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def payment_fulfil_task(payment_id: int):
    from payments.services import payment_fulfil

    return payment_fulfil(payment_id=payment_id)
