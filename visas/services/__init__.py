"""Exit/re-entry visa services: fees.py (the one fee function), eligibility.py (the conditions),
visas.py (applications: submit, the payment's hand-overs, cancel), extension.py (extensions abroad),
unused.py (lapsing unused, the fine, the warning, an officer's waiver), border.py (the sandbox
border's crossings); every move through visas.flow.VISA. Payments calls visas.services.application_on_paid and friends."""

from visas.services.border import border_crossing_record  # noqa: F401
from visas.services.extension import extension_on_paid, extension_on_payment_lapsed, visa_extend  # noqa: F401
from visas.services.unused import visa_expire_unused, visa_fine_waive, visa_lapse_sweep, visa_lapse_warning_sweep  # noqa: F401
from visas.services.visas import (  # noqa: F401
    application_close_unpaid,
    application_on_paid,
    application_on_payment_lapsed,
    application_submit,
    visa_cancel,
)
