"""TicketCheck: the ticket's check of its request, made once per request the fields show (not again at Send)."""

from __future__ import annotations

from dataclasses import replace

from core.domain import FieldError, Instrument, OrderRequest, ValidatedRequest, validate_request

SHOWN_AS = {"trail_amount": "trail", "trail_percent": "trail", "trail_limit_offset": "limit_price"}
"""The request's trail fields, shown by the ticket's one trail field (a trailing stop-limit's offset: Limit)."""


def _same_zone(one: OrderRequest, other: OrderRequest) -> bool:
    """Return True unless the two (equal) requests' expiries are the same instant in different time zones."""
    return one.expire_at is None or getattr(one.expire_at, "tzinfo", None) == getattr(other.expire_at, "tzinfo", None)


class TicketCheck:
    """Answer validate_request for the ticket, reusing the last answer for the same request and instrument.

    validate_request reads nothing but its two arguments, so the answer for a request equal to the last one
    (field by field: the typed texts, the choices, an expiry in the same zone), of the very same instrument
    object, is the last answer. Every edit checks the fields (the live check); the Send of what that check saw
    reuses its answer instead of parsing and checking every field again.
    """

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: tuple[OrderRequest, Instrument, ValidatedRequest | None, tuple[FieldError, ...],
                          OrderRequest | None] | None = None
        """The last request checked, its instrument, the answer and the request a Send of it hands up."""

    def check(self, request: OrderRequest, instrument: Instrument | None
              ) -> tuple[ValidatedRequest | None, list[FieldError]]:
        """Return validate_request(request, instrument), its errors named as the ticket's fields show them."""
        last = self._last
        if last is not None and last[1] is instrument and last[0] == request and _same_zone(last[0], request):
            return last[2], list(last[3])
        validated, errors = validate_request(request, instrument)
        errors = [replace(e, field=SHOWN_AS[e.field]) if e.field in SHOWN_AS else e for e in errors]
        if instrument is not None:
            to_send = None if validated is None else _to_send(validated)
            self._last = (request, instrument, validated, tuple(errors), to_send)
        return validated, errors

    def request_of(self, validated: ValidatedRequest) -> OrderRequest:
        """Return the request to send for validated (made with its check, when it is the last answer)."""
        last = self._last
        if last is not None and last[2] is validated and last[4] is not None:
            return last[4]
        return _to_send(validated)


def _to_send(validated: ValidatedRequest) -> OrderRequest:
    """Return the request a Send hands up: validated's, its quantity and prices as the Decimals checked."""
    return replace(validated.request, quantity=validated.quantity,
                   limit_price=validated.limit_price, stop_price=validated.stop_price)
