"""The card gateway is an interface; the sandbox is one implementation of it.

`card_gateway()` answers the gateway in force: the sandbox while `SANDBOXES_ENABLED` is on,
the class named by `PAYMENT_CARD_GATEWAY` otherwise, or None when production has no card
gateway configured: then card checkout does not exist (the form and the API answer 404) and
bills are paid through SADAD."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    last4: str


class CardGateway(Protocol):
    name: str

    def charge(self, *, card_number: str, expiry_month: int, expiry_year: int, cvv: str, amount: Decimal) -> ChargeResult: ...


class SandboxCardGateway:
    """Approves any valid card number except the sandbox's declined test cards (a setting)."""

    name = "sandbox"

    def charge(self, *, card_number: str, expiry_month: int, expiry_year: int, cvv: str, amount: Decimal) -> ChargeResult:
        return ChargeResult(approved=card_number not in settings.PAYMENT_SANDBOX_DECLINED_CARDS, last4=card_number[-4:])


def card_gateway() -> CardGateway | None:
    if settings.SANDBOXES_ENABLED:
        return SandboxCardGateway()
    path = getattr(settings, "PAYMENT_CARD_GATEWAY", "")
    return import_string(path)() if path else None
