"""Family iqama renewal services: fees.py (the one fee function), eligibility.py (the conditions),
renewal.py (the transitions). Payments calls passports.services.renewal_on_paid / renewal_on_refunded."""

from passports.services.renewal import (  # noqa: F401
    renewal_approve,
    renewal_cancel,
    renewal_close_unpaid,
    renewal_on_paid,
    renewal_on_payment_lapsed,
    renewal_on_refunded,
    renewal_process,
    renewal_processing_sweep,
    renewal_reject,
    renewal_submit,
)
