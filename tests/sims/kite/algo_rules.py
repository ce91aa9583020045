"""SEBI's rules for retail algo orders as Kite applies them to API orders from 2026-04-01 (Kite Connect forum 15912).

Market protection: an API order of type MARKET or SL-M must say how far from the last price it may fill,
`market_protection` -1 (Kite chooses the percentage) or a percentage above 0 and up to 100. Without it, or with 0,
Kite refuses the order with "Market orders without market protection are not allowed via API. Please set market
protection or use a Limit order." (forum 52331, tradingqna 193504); a value that is not a number gets "Invalid
request (failed to decode market_protection, …)". Turning a LIMIT order into a MARKET one by a modification needs it
too; a MARKET order keeps its own (forum 52331). The orders book echoes the value (0 for the other order types).

MCX takes no IOC orders in the algo segment: an IOC order on MCX is refused (the wording of that refusal is not
published; this one says what to do).

The error type of these refusals is not documented: InputException (400) here, as for Kite's other bad parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

PROTECTED = ("MARKET", "SL-M")
NO_IOC_ON_MCX = "IOC orders are not allowed on MCX for API orders (exchange rules for algo orders). Use DAY validity."
MISSING = ("Market orders without market protection are not allowed via API. Please set market protection or use "
           "a Limit order.")
AUTOMATIC = Decimal(-1)


def market_protection(order_type: str, form: Mapping[str, str], order: Mapping[str, Any] | None = None) -> float:
    """Return the market protection an order of order_type keeps (0 when it needs none); raise Kite's refusal."""
    from tests.sims.kite.exchange import KiteError

    if order_type not in PROTECTED:
        return 0.0
    raw = form.get("market_protection")
    if not raw and order is not None and order["order_type"] in PROTECTED:
        return float(order["market_protection"])
    try:
        value = Decimal(raw) if raw else Decimal(0)
    except InvalidOperation:
        raise KiteError(400, "InputException", f"Invalid request (failed to decode market_protection, got: {raw} "
                                               f"(expected decimal))") from None
    if value != AUTOMATIC and not Decimal(0) < value <= Decimal(100):
        raise KiteError(400, "InputException", MISSING)
    return float(value)


def check_validity(exchange: str, validity: str) -> None:
    """Raise Kite's refusal of an IOC order on MCX."""
    from tests.sims.kite.exchange import KiteError

    if exchange == "MCX" and validity == "IOC":
        raise KiteError(400, "InputException", NO_IOC_ON_MCX)
