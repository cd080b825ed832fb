""" "This was not me": a person disowns an entry of their activity. The session or device it
opened is ended at once and an audit row (nafath.activity_disowned) tells officers."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.db import transaction

from core.errors import NotFound
from core.models import AuditLog
from core.services import audit_log_write
from nafath.models import Device, NafathRequest
from nafath.selectors import activity_queryset
from nafath.services.devices import access_tokens_revoke_for_request, device_revoke
from nafath.services.oidc import oidc_tokens_revoke
from registry.models import Person

DEVICE_ACTIONS = ("nafath.device_activated", "nafath.device_pending", "nafath.device_approved", "nafath.device_registered")


def _session_end(session_key: str) -> bool:
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore
    s = store(session_key=session_key)
    if not s.exists(session_key):
        return False
    s.delete(session_key)
    return True


def activity_disown(*, person: Person, entry_id: int, ip: str = "", current_session_key: str = "") -> AuditLog:
    """Disown one of the person's own activity entries (another person's entry: 404). Once per
    entry: a second call returns the first report."""
    entry = activity_queryset(person=person).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    done = AuditLog.objects.filter(
        action="nafath.activity_disowned", person=person, object_type="core.auditlog", object_id=str(entry.pk)
    ).first()
    if done is not None:
        return done
    ended: dict = {"sessions": 0, "api_tokens": 0, "oidc_tokens": 0, "devices": []}
    with transaction.atomic():
        if entry.action == "auth.signed_in" and entry.object_type == "nafath.nafathrequest":
            req = NafathRequest.objects.filter(pk=entry.object_id, person=person).first()
            if req is not None:
                if req.web_session_key and req.web_session_key != current_session_key:
                    ended["sessions"] += int(_session_end(req.web_session_key))
                ended["api_tokens"] += access_tokens_revoke_for_request(nafath_request_id=req.pk)
                if req.oidc_client_id:
                    ended["oidc_tokens"] += oidc_tokens_revoke(person=person, client_id=req.oidc_client_id, reason="not_me", ip=ip)
                if req.device_id:
                    device = Device.objects.filter(pk=req.device_id, person=person).exclude(status=Device.Status.REVOKED).first()
                    if device is not None:
                        device_revoke(person=person, device_id=device.pk, reason="not_me", ip=ip)
                        ended["devices"].append(device.pk)
        elif entry.action == "oidc.authorized":
            ended["oidc_tokens"] += oidc_tokens_revoke(person=person, client_id=entry.data.get("relying_party"), reason="not_me", ip=ip)
        elif entry.action in DEVICE_ACTIONS and entry.object_type == "nafath.device":
            device = Device.objects.filter(pk=entry.object_id, person=person).exclude(status=Device.Status.REVOKED).first()
            if device is not None:
                device_revoke(person=person, device_id=device.pk, reason="not_me", ip=ip)
                ended["devices"].append(device.pk)
        report = audit_log_write(
            action="nafath.activity_disowned",
            person=person,
            obj=entry,
            ip=ip,
            entry_action=entry.action,
            entry_at=entry.at.isoformat(),
            officer_entry=entry.officer_id is not None,
            **ended,
        )
    return report
