from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.auth import person_required
from notifications import selectors, services


@person_required
def inbox(request):
    notifications = list(selectors.notification_list_for_person(person=request.person))
    unread = sum(1 for n in notifications if n.read_at is None)
    return render(request, "notifications/inbox.html", {"notifications": notifications, "unread": unread})


@person_required
@require_POST
def mark_read(request, pk):
    services.notification_mark_read(person=request.person, notification_id=pk)
    return redirect("notifications:inbox")


@person_required
@require_POST
def mark_all_read(request):
    services.notification_mark_all_read(person=request.person)
    return redirect("notifications:inbox")


@person_required
def open_link(request, pk):
    """Mark read and follow the notification's link (portal-relative links only)."""
    n = services.notification_mark_read(person=request.person, notification_id=pk)
    if n.link and url_has_allowed_host_and_scheme(n.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(n.link)
    return redirect("notifications:inbox")
