from celery import shared_task

from nafath.services import nafath_request_expire_overdue


@shared_task(name="nafath.tasks.nafath_requests_expire")
def nafath_requests_expire() -> int:
    return nafath_request_expire_overdue()
