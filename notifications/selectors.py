from django.db.models import Count

from core.prepared import PreparedQuery
from notifications.models import Notification
from registry.models import Person


def notification_list_for_person(*, person: Person, limit: int = 100):
    return Notification.objects.filter(person=person).order_by("-created_at", "-id")[:limit]


# Every signed-in page shows the unread count (portal's context processor): compiled once per process
# (core.prepared). One row, grouped by the person, or none when nothing is unread.
_unread = PreparedQuery(
    lambda person_id: (
        Notification.objects.filter(person_id=person_id, read_at__isnull=True).order_by().values("person_id").annotate(n=Count("pk"))
    )
)


def notification_unread_count(*, person: Person) -> int:
    rows = _unread(person_id=person.pk)
    return rows[0]["n"] if rows else 0
