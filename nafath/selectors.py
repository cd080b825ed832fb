"""Reads of the Nafath login, scoped to who asks."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import NotFound
from core.i18n import localized
from core.models import AuditLog
from nafath.models import Device, NafathRequest
from registry.models import Person


def nafath_request_get(*, transaction_id) -> NafathRequest:
    """A request by its transaction id (the id is the secret of whoever started it)."""
    req = NafathRequest.objects.select_related("person").filter(transaction_id=transaction_id).first()
    if req is None:
        raise NotFound()
    return req


def nafath_request_list_waiting_for_person(*, person: Person) -> QuerySet[NafathRequest]:
    """The WAITING, not yet overdue requests a device of this person may answer."""
    return NafathRequest.objects.filter(person=person, status=NafathRequest.Status.WAITING, expires_at__gt=timezone.now()).order_by(
        "created_at"
    )


def person_for_known_browser(*, person_id) -> Person | None:
    """The person a browser remembers (a signed cookie of an earlier Nafath sign-in)."""
    return Person.objects.filter(pk=person_id).first() if isinstance(person_id, int) else None


# --- devices -------------------------------------------------------------------------------------
def device_list_for_person(*, person: Person) -> QuerySet[Device]:
    """The person's devices, the active and pending first, then the past ones."""
    return Device.objects.filter(person=person).order_by("status", "-created_at", "-id")


def device_get_for_person(*, person: Person, device_id: int) -> Device:
    device = Device.objects.filter(person=person, pk=device_id).first()
    if device is None:
        raise NotFound()
    return device


# --- my activity (from the audit log) -----------------------------------------------------------
# What a person sees of what the portal did with their identity.
ACTIVITY_ACTIONS = (
    "auth.signed_in",
    "oidc.authorized",
    "oidc.logout",
    "nafath.device_activated",
    "nafath.device_pending",
    "nafath.device_approved",
    "nafath.device_registered",
    "nafath.device_revoked",
    "nafath.device_locked",
    "nafath.activity_disowned",
)


def activity_queryset(*, person: Person) -> QuerySet[AuditLog]:
    """The person's entries: sign-ins, consents, devices, and everything an officer did with their
    records or photos (any audit row about them that names an officer)."""
    return (
        AuditLog.objects.filter(person=person).filter(Q(action__in=ACTIVITY_ACTIONS) | Q(officer__isnull=False)).select_related("officer")
    )


def activity_list_for_person(*, person: Person, limit: int = 100) -> list[AuditLog]:
    rows = list(activity_queryset(person=person).order_by("-at", "-id")[:limit])
    disowned = set(
        AuditLog.objects.filter(person=person, action="nafath.activity_disowned", object_type="core.auditlog").values_list(
            "object_id", flat=True
        )
    )
    for row in rows:
        row.disowned = str(row.pk) in disowned
        row.label = activity_label(row)
        row.browser = browser_label(row.data.get("browser", ""))
        row.relying_party = localized(row.data.get("service_ar", ""), row.data.get("service", "")) if row.data.get("relying_party") else ""
        row.can_disown = row.action not in ("nafath.activity_disowned", "nafath.device_revoked", "oidc.logout") and not row.disowned
    return rows


ACTIVITY_LABELS = {
    "auth.signed_in": _("Signed in with Nafath"),
    "oidc.authorized": _("Shared your data with a portal"),
    "oidc.logout": _("Signed out from a portal"),
    "nafath.device_activated": _("A Nafath app was activated"),
    "nafath.device_pending": _("A Nafath app is waiting for an officer's approval"),
    "nafath.device_approved": _("An officer approved a Nafath app"),
    "nafath.device_registered": _("A Nafath app was registered"),
    "nafath.device_revoked": _("A Nafath app was revoked"),
    "nafath.device_locked": _("A Nafath app was locked after wrong PINs"),
    "nafath.activity_disowned": _("You reported an entry as not you"),
}


def activity_label(entry: AuditLog) -> str:
    if entry.action in ACTIVITY_LABELS:
        return str(ACTIVITY_LABELS[entry.action])
    if entry.action.endswith("photo_read") or entry.action == "nafath.device_selfie_read":
        return str(_("An officer opened your photo"))
    if entry.officer_id:
        return str(_("An officer opened or changed your records"))
    return entry.action


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str) -> str:
    """ "Chrome on Android" from a User-Agent header (the raw header stays in the audit row)."""
    if not user_agent:
        return ""
    name = next((n for key, n in _BROWSERS if key in user_agent), "")
    system = next((s for key, s in _SYSTEMS if key in user_agent), "")
    if name and system:
        return f"{name} · {system}"
    return name or system or user_agent[:60]
