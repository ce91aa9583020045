"""ActionLog: say each trader command once in the window's log (LogMessage), in a trader's words.

The session calls it for the commands every view shares (send, modify, cancel, cancel all, remove an
account); the approval service for approve, edit, reject and withdraw. What a command only the window
offers does (kill switch, resume, flatten's summary, risk limits) the window says itself. Texts name
orders by side, quantity, symbol, type, price and account, never a secret.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.domain import LogMessage, Order
from core.ports.broker import EventSink


def order_words(order: Order) -> str:
    """Say an order the way a trader reads it: 'BUY 10 AAPL LMT 150.25 on PAPER-1'."""
    price = order.limit_price if order.limit_price is not None else order.stop_price
    at = f" {price.value}" if price is not None else ""
    return (f"{order.side.value} {order.quantity.value.normalize():f} {order.symbol} {order.order_type.value}{at} "
            f"on {order.account_id}")


def outcome_words(order: Order) -> str:
    """Say what became of an order: its status, and the broker's or risk's reason."""
    status = order.status.value.replace("_", " ").lower()
    return status + (f": {order.reason}" if order.reason else "")


def changes(before: Mapping[str, object], after: Mapping[str, object], prefix: str = "") -> list[str]:
    """Say what differs between two settings documents, key by dotted key: 'accounts.PAPER-1.max_order_qty 5 -> 10'."""
    said: list[str] = []
    for key in sorted(set(before) | set(after), key=str):
        old, new = before.get(key), after.get(key)
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            said += changes(old, new, f"{prefix}{key}.")
        elif old != new:
            said.append(f"{prefix}{key} {_shown(old)} -> {_shown(new)}")
    return said


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    return str(value)


class ActionLog:
    """Publish one LogMessage per trader command."""

    def __init__(self, publish: EventSink) -> None:
        self._publish = publish

    def say(self, text: str, level: str = "INFO") -> None:
        self._publish(LogMessage(level, text))

    def sent(self, order: Order) -> None:
        level = "WARNING" if order.reason else "INFO"
        self.say(f"Order {order_words(order)} ({order.origin.value.lower()}): {outcome_words(order)}", level)

    def refused(self, what: str, reason: str) -> None:
        self.say(f"{what} refused: {reason}", "WARNING")

    def modified(self, before: str, order: Order) -> None:
        level = "WARNING" if order.reason else "INFO"
        self.say(f"Modify {before} -> {order_words(order)}: {outcome_words(order)}", level)

    def cancel_asked(self, order: Order) -> None:
        self.say(f"Cancel {order_words(order)}: asked")
