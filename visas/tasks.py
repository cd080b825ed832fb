"""Periodic tasks of exit/re-entry visas (beat: absher/settings/celery.py). Each calls one service
and may run twice (the services are idempotent)."""

from celery import shared_task

from visas import services


@shared_task
def visa_lapse_sweep_task() -> int:
    return services.visa_lapse_sweep()


@shared_task
def visa_lapse_warning_sweep_task() -> int:
    return services.visa_lapse_warning_sweep()


@shared_task
def visa_expire_unused_task(visa_id: int) -> bool:
    return services.visa_expire_unused(visa_id=visa_id)
