"""Tasks take an id and call one service; each may run twice without harm. Services queue them
by dotted path (core.transitions.enqueue), so the import goes one way: tasks → services."""

from celery import shared_task

from notifications.services import TransientDeliveryError, notification_deliver, notification_delivery_sweep


@shared_task(
    acks_late=True,
    autoretry_for=(TransientDeliveryError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def notification_deliver_task(delivery_id: int):
    return notification_deliver(delivery_id=delivery_id)


@shared_task(acks_late=True)
def notification_delivery_sweep_task():
    return notification_delivery_sweep()
