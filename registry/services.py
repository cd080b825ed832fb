"""Writes to the registry that services ask for (officers' edits go through admin)."""

import datetime as dt

from registry.models import Fine

# What a payment line item names when it settles a registry fine (PaymentItem.settles_type).
FINE_SETTLES_TYPE = "registry.fine"


def fines_mark_paid(*, fine_ids: list[int], paid_at: dt.datetime, payment_reference: str) -> int:
    """Mark these fines paid by this payment. Only rows still unpaid move, so a second call (a
    task run twice, or a fine carried by two bills) changes nothing. Returns how many moved."""
    if not fine_ids:
        return 0
    return Fine.objects.filter(pk__in=fine_ids, paid_at__isnull=True).update(paid_at=paid_at, paid_by=payment_reference)
