from notifications.models import Notification
from registry.models import Person


def notification_list_for_person(*, person: Person, limit: int = 100):
    return Notification.objects.filter(person=person).order_by("-created_at", "-id")[:limit]


def notification_unread_count(*, person: Person) -> int:
    return Notification.objects.filter(person=person, read_at__isnull=True).count()
