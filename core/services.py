from core.models import AuditLog


def audit_log_write(
    *,
    action: str,
    person=None,
    officer=None,
    obj=None,
    from_status: str = "",
    to_status: str = "",
    ip: str = "",
    **data,
) -> AuditLog:
    """One audit row. Call it inside the transaction of the change it records."""
    return AuditLog.objects.create(
        action=action,
        person=person,
        officer=officer if getattr(officer, "pk", None) else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        from_status=from_status or "",
        to_status=to_status or "",
        ip=ip or "",
        data=data,
    )
