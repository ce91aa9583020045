"""Pure translation of desk orders into mail subjects and bodies. Nothing secret is ever part of a mail."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from core.domain import Instrument, Order, OrderType, Price

SUBJECT_PREFIX = "[TradeTerm]"


def format_qty(value: Decimal) -> str:
    """Return a quantity without exponent or trailing zeros: 100, 0.5."""
    return f"{value.normalize():f}"


def format_price(price: Price | Decimal | None, instrument: Instrument) -> str:
    """Return price with as many places as the instrument's tick needs (189.5 -> 189.50 on a 0.01 tick)."""
    if price is None:
        return "-"
    value = price.value if isinstance(price, Price) else price
    return f"{value:.{instrument.price_places}f}"


def format_ts(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def order_terms(order: Order) -> str:
    """Return the order in one line: 'BUY 100 AAPL LMT 189.50', 'SELL 5 ES STP 4400.00 LMT 4399.75'."""
    parts = [order.side.value, format_qty(order.quantity.value), order.symbol]
    kind = order.order_type
    if kind is OrderType.MARKET:
        parts.append("MKT")
    elif kind is OrderType.LIMIT:
        parts += ["LMT", format_price(order.limit_price, order.instrument)]
    elif kind is OrderType.STOP:
        parts += ["STP", format_price(order.stop_price, order.instrument)]
    else:
        parts += ["STP", format_price(order.stop_price, order.instrument),
                  "LMT", format_price(order.limit_price, order.instrument)]
    return " ".join(parts)


def order_subject(order: Order) -> str:
    """Return the subject of the mail that places order: '[TradeTerm] BUY 100 AAPL LMT 189.50'."""
    return f"{SUBJECT_PREFIX} {order_terms(order)}"


def cancel_subject(order: Order) -> str:
    """Return the subject of the mail that cancels order."""
    return f"{SUBJECT_PREFIX} CANCEL {order_terms(order)} ({order.client_order_id})"


def _fields(order: Order, desk_order_id: str) -> list[tuple[str, str]]:
    instrument = order.instrument
    return [
        ("Action", order.side.value),
        ("Quantity", format_qty(order.quantity.value)),
        ("Symbol", order.symbol),
        ("Venue", instrument.venue),
        ("Currency", instrument.currency),
        ("Order type", order.order_type.value),
        ("Limit price", format_price(order.limit_price, instrument)),
        ("Stop price", format_price(order.stop_price, instrument)),
        ("Time in force", order.tif.value),
        ("Account", str(order.account_id)),
        ("Client order id", str(order.client_order_id)),
        ("Desk order id", desk_order_id),
        ("Origin", order.origin.value),
        ("Strategy", str(order.strategy_id) if order.strategy_id is not None else "-"),
        ("Created", format_ts(order.created_at)),
    ]


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows) + 1
    return "\n".join(f"{name + ':':<{width}} {value}" for name, value in rows)


def order_body(order: Order, desk_order_id: str) -> str:
    """Return the body of the mail that places order: every field, and how to report the execution."""
    return (
        "Please execute this order.\n\n"
        f"{_table(_fields(order, desk_order_id))}\n\n"
        f"Reply quoting the client order id {order.client_order_id} with the quantity, price and time of each "
        "execution; the trader records them in TradeTerm.\n"
    )


def cancel_body(order: Order, desk_order_id: str, filled_qty: Decimal) -> str:
    """Return the body of the mail that cancels order (the unfilled remainder)."""
    leaves = order.quantity.value - filled_qty
    rows = [*_fields(order, desk_order_id), ("Filled so far", format_qty(filled_qty)),
            ("To cancel", format_qty(leaves))]
    return (
        "Please CANCEL this order (the part not yet executed).\n\n"
        f"{_table(rows)}\n\n"
        f"If any of it was executed before this cancel reached you, reply quoting {order.client_order_id} "
        "with the executions.\n"
    )
