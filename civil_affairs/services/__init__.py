"""Writes and transitions of the national ID renewal flow, split by concern:

- photo_intake: create with a photo, and the quick check (live guidance, the upload pre-check)
- photo_check: the engine adapter, the worker's check, the sweeper, the purge, photo reads
- delivery_payment: the delivery choice, the one payment, the payment hooks (apps.py)
- decision: automatic processing, the officer's approval or rejection, the person's cancel
- card_journey: the new card's stages

Every move goes through civil_affairs.flow.ID_RENEWAL (core.transitions): lock, version,
check, one history row, one audit row, the notification and queued work after commit."""

from civil_affairs.services.card_journey import renewal_card_advance, renewal_card_progress
from civil_affairs.services.decision import renewal_approve, renewal_cancel, renewal_process, renewal_reject, renewal_rules_hold
from civil_affairs.services.delivery_payment import (
    renewal_delivery_choose,
    renewal_on_paid,
    renewal_on_payment_lapsed,
    renewal_on_refunded,
    renewal_refund_if_paid,
)
from civil_affairs.services.photo_check import (
    FLOW_REASONS,
    flag_message,
    photo_engine_check,
    photo_on_file_encoding,
    photo_sanitize,
    reason_message,
    renewal_photo_bytes,
    renewal_photo_check,
    renewal_photo_check_sweep,
    renewal_photo_purge,
    renewal_photo_read,
)
from civil_affairs.services.photo_intake import QUICK_CHECK_READY, renewal_create, renewal_photo_quick_check
from core.errors import ApplicationError

__all__ = [
    "FLOW_REASONS",
    "QUICK_CHECK_READY",
    "ApplicationError",
    "flag_message",
    "photo_engine_check",
    "photo_on_file_encoding",
    "photo_sanitize",
    "reason_message",
    "renewal_approve",
    "renewal_cancel",
    "renewal_card_advance",
    "renewal_card_progress",
    "renewal_create",
    "renewal_delivery_choose",
    "renewal_on_paid",
    "renewal_on_payment_lapsed",
    "renewal_on_refunded",
    "renewal_photo_bytes",
    "renewal_photo_check",
    "renewal_photo_check_sweep",
    "renewal_photo_purge",
    "renewal_photo_quick_check",
    "renewal_photo_read",
    "renewal_process",
    "renewal_refund_if_paid",
    "renewal_reject",
    "renewal_rules_hold",
]
