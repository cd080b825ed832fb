from celery import shared_task


@shared_task(name="nafath.tasks.nafath_requests_expire")
def nafath_requests_expire() -> int:
    from nafath.services import nafath_request_expire_overdue

    return nafath_request_expire_overdue()
