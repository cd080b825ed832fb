"""Exit/re-entry visa services: fees.py (the one fee function), eligibility.py (the conditions),
visas.py (applications, visas and extensions: every move through visas.flow.VISA), border.py
(the sandbox border's crossings). Payments calls visas.services.application_on_paid and friends."""

from visas.services.border import border_crossing_record  # noqa: F401
from visas.services.visas import (  # noqa: F401
    application_close_unpaid,
    application_on_paid,
    application_on_payment_lapsed,
    application_submit,
    extension_on_paid,
    extension_on_payment_lapsed,
    visa_cancel,
    visa_expire_unused,
    visa_extend,
    visa_fine_waive,
    visa_lapse_sweep,
    visa_lapse_warning_sweep,
)
