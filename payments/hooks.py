"""What a request app does when its payment is paid, refunded or lapses unpaid.

A service app registers a purpose in its AppConfig.ready():

    hooks.register("<purpose>", on_paid="<app>.services.<request>_on_paid",
                   on_refunded="<app>.services.<request>_on_refunded",
                   on_lapsed="<app>.services.<request>_on_payment_lapsed",
                   detail_url_name="<app>:<request page>")

Handlers are dotted paths to functions taking `payment_id=` (keyword). Payments knows no
request type by name; it only calls these after commit, from a worker, once per payment."""

from dataclasses import dataclass

from django.utils.module_loading import import_string

_purposes: dict[str, "Purpose"] = {}


@dataclass(frozen=True)
class Purpose:
    name: str
    on_paid: str | None = None
    on_refunded: str | None = None
    # Where the person follows the request: a URL name taking the payment's object_id as `pk`.
    detail_url_name: str | None = None
    # Called (payment_id=) after a PENDING bill lapsed unpaid (EXPIRED) or was withdrawn (FAILED),
    # so the request can close and free what it held. Must be idempotent: it may run twice.
    on_lapsed: str | None = None


def register(
    name: str,
    *,
    on_paid: str | None = None,
    on_refunded: str | None = None,
    detail_url_name: str | None = None,
    on_lapsed: str | None = None,
):
    _purposes[name] = Purpose(name, on_paid, on_refunded, detail_url_name, on_lapsed)


def get(name: str) -> Purpose | None:
    return _purposes.get(name)


def call(handler: str | None, **kwargs):
    if handler:
        import_string(handler)(**kwargs)
