"""Price, % move and P&L alerts: rules the trader sets, each fired once, kept across restarts (no I/O, no Qt).

A price alert watches one symbol on one account's feed (its last trade, or the mid while none): ABOVE fires
when that price is at or above the level, BELOW at or below. A move alert fires when that price is a given
percentage (either way) from its reference: the feed's previous close, or the price when the alert was set.
A P&L alert fires when an account's day P&L (in any currency it holds) is at or below its level. A fired
alert stays listed, marked with when it fired, and never fires again.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from core.domain import Quote


class Direction(StrEnum):
    ABOVE = "above"
    BELOW = "below"


class AlertsError(ValueError):
    """A saved alert that cannot be read: the message names the entry and the field."""


@dataclass(frozen=True, slots=True)
class PriceAlert:
    """Tell the trader when symbol's price on account's feed reaches price from direction."""

    alert_id: str
    account: str
    symbol: str
    direction: Direction
    price: Decimal
    email: bool = False
    fired_at: datetime | None = None

    def describe(self) -> str:
        return f"{self.symbol} {self.direction.value} {self.price:f} ({self.account})"

    def reached(self, price: Decimal) -> bool:
        return price >= self.price if self.direction is Direction.ABOVE else price <= self.price


class Reference(StrEnum):
    """What a move alert measures its move from."""

    CLOSE = "close"
    """The previous session's close, as the feed sends it (read afresh at every check)."""
    SET = "set"
    """The price when the alert was set (kept in the alert)."""


@dataclass(frozen=True, slots=True)
class MoveAlert:
    """Tell the trader when symbol's price on account's feed is `percent` % or more away from its reference.

    `base` is the price when the alert was set (Reference.SET); None with Reference.CLOSE.
    """

    alert_id: str
    account: str
    symbol: str
    percent: Decimal
    reference: Reference
    base: Decimal | None = None
    email: bool = False
    fired_at: datetime | None = None

    def describe(self) -> str:
        return f"{self.symbol} moves {self.percent:f}% from {self._reference_text()} ({self.account})"

    def _reference_text(self) -> str:
        return "the previous close" if self.base is None else f"{self.base:f} (when set)"

    def reference_price(self, quote: Quote | None) -> Decimal | None:
        """Return the price the move is measured from: `base`, or the quote's previous close (None: not known)."""
        if self.reference is Reference.SET:
            return self.base
        return None if quote is None else quote.close

    def moved(self, quote: Quote | None) -> str | None:
        """Return what the trader is told when the price has moved far enough, else None."""
        price, reference = alert_price(quote), self.reference_price(quote)
        if price is None or reference is None or reference <= 0:
            return None
        change = (price - reference) / reference * 100
        if abs(change) < self.percent:
            return None
        way = "up" if change > 0 else "down"
        source = "the previous close" if self.reference is Reference.CLOSE else "the price when set"
        return f"Move alert: {self.symbol} is at {price:f}, {way} {abs(change):.2f}% from {source} {reference:f} " \
               f"({self.account}'s feed)."


@dataclass(frozen=True, slots=True)
class PnlAlert:
    """Tell the trader when account's day P&L falls to `below` or under (a loss is a negative level)."""

    alert_id: str
    account: str
    below: Decimal
    email: bool = False
    fired_at: datetime | None = None

    def describe(self) -> str:
        return f"{self.account} day P&L below {self.below:f}"


Alert = PriceAlert | MoveAlert | PnlAlert


@dataclass(frozen=True, slots=True)
class FiredAlert:
    """An alert that just fired, with what it saw."""

    alert: Alert
    text: str


def alert_price(quote: Quote | None) -> Decimal | None:
    """Return the price an alert compares: the last trade, else the mid of bid and ask, else None."""
    if quote is None:
        return None
    if quote.last is not None:
        return quote.last
    if quote.bid is not None and quote.ask is not None:
        return (quote.bid + quote.ask) / 2
    return None


class AlertBook:
    """The trader's alerts in the order they were set; `check` fires those whose condition now holds.

    `changed()` is called after every change (add, remove, fire) so the owner can save `to_json()`.
    """

    def __init__(self, alerts: Iterable[Alert] = (), changed: Callable[[], None] | None = None) -> None:
        self._alerts: dict[str, Alert] = {alert.alert_id: alert for alert in alerts}
        self._changed = changed or (lambda: None)
        self._ids = itertools.count(1 + max((_number(a.alert_id) for a in self._alerts.values()), default=0))

    def alerts(self) -> list[Alert]:
        return list(self._alerts.values())

    def armed(self) -> list[Alert]:
        return [alert for alert in self._alerts.values() if alert.fired_at is None]

    def next_id(self) -> str:
        return f"A{next(self._ids)}"

    def add(self, alert: Alert) -> Alert:
        self._alerts[alert.alert_id] = alert
        self._changed()
        return alert

    def remove(self, alert_id: str) -> bool:
        removed = self._alerts.pop(alert_id, None) is not None
        if removed:
            self._changed()
        return removed

    def check(self, quote_of: Callable[[str, str], Quote | None],
              day_pnl_of: Callable[[str], Mapping[str, Decimal]], now: datetime) -> list[FiredAlert]:
        """Fire (once) every armed alert whose condition holds now; return them in the order they were set."""
        fired: list[FiredAlert] = []
        for alert in self.armed():
            text = self._reached(alert, quote_of, day_pnl_of)
            if text is not None:
                done = replace(alert, fired_at=now)
                self._alerts[alert.alert_id] = done
                fired.append(FiredAlert(done, text))
        if fired:
            self._changed()
        return fired

    @staticmethod
    def _reached(alert: Alert, quote_of: Callable[[str, str], Quote | None],
                 day_pnl_of: Callable[[str], Mapping[str, Decimal]]) -> str | None:
        if isinstance(alert, PriceAlert):
            price = alert_price(quote_of(alert.symbol, alert.account))
            if price is None or not alert.reached(price):
                return None
            return f"Price alert: {alert.symbol} is at {price:f}, {alert.direction.value} {alert.price:f} " \
                   f"({alert.account}'s feed)."
        if isinstance(alert, MoveAlert):
            return alert.moved(quote_of(alert.symbol, alert.account))
        for currency, pnl in sorted(day_pnl_of(alert.account).items()):
            if pnl <= alert.below:
                return f"P&L alert: {alert.account}'s day P&L is {pnl:,.2f} {currency}, below {alert.below:,.2f}."
        return None

    def to_json(self) -> list[dict[str, Any]]:
        return [_to_json(alert) for alert in self._alerts.values()]

    @classmethod
    def from_json(cls, raw: object, where: str, changed: Callable[[], None] | None = None) -> AlertBook:
        """Read the saved alerts; raise AlertsError naming the entry and field that cannot be read."""
        if not isinstance(raw, list):
            raise AlertsError(f"{where}: expected a list of alerts, got {raw!r}")
        return cls([_from_json(item, f"{where}[{index}]") for index, item in enumerate(raw)], changed)


def _number(alert_id: str) -> int:
    digits = alert_id.lstrip("A")
    return int(digits) if digits.isascii() and digits.isdigit() else 0


def _to_json(alert: Alert) -> dict[str, Any]:
    fired = None if alert.fired_at is None else alert.fired_at.isoformat()
    common = {"id": alert.alert_id, "account": alert.account, "email": alert.email, "fired_at": fired}
    if isinstance(alert, PriceAlert):
        return {"kind": "price", **common, "symbol": alert.symbol, "direction": alert.direction.value,
                "price": str(alert.price)}
    if isinstance(alert, MoveAlert):
        return {"kind": "move", **common, "symbol": alert.symbol, "percent": str(alert.percent),
                "reference": alert.reference.value, "base": None if alert.base is None else str(alert.base)}
    return {"kind": "pnl", **common, "below": str(alert.below)}


def _field(item: Mapping[str, object], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise AlertsError(f"{where}.{name}: expected text, got {value!r}")
    return value


def _decimal(item: Mapping[str, object], name: str, where: str) -> Decimal:
    text = _field(item, name, where)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise AlertsError(f"{where}.{name}: expected a number such as \"189.50\", got {text!r}") from None
    if not value.is_finite():
        raise AlertsError(f"{where}.{name}: expected a number such as \"189.50\", got {text!r}")
    return value


def _from_json(item: object, where: str) -> Alert:
    if not isinstance(item, dict):
        raise AlertsError(f"{where}: expected an object, got {item!r}")
    fired_text = item.get("fired_at")
    try:
        fired = None if fired_text is None else datetime.fromisoformat(str(fired_text))
    except ValueError:
        raise AlertsError(f"{where}.fired_at: expected a time or null, got {fired_text!r}") from None
    common = {"alert_id": _field(item, "id", where), "account": _field(item, "account", where),
              "email": item.get("email") is True, "fired_at": fired}
    kind = item.get("kind")
    if kind == "price":
        direction = item.get("direction")
        if direction not in ("above", "below"):
            raise AlertsError(f"{where}.direction: expected \"above\" or \"below\", got {direction!r}")
        return PriceAlert(symbol=_field(item, "symbol", where), direction=Direction(str(direction)),
                          price=_decimal(item, "price", where), **common)  # type: ignore[arg-type]
    if kind == "move":
        return _move_from_json(item, where, common)
    if kind == "pnl":
        return PnlAlert(below=_decimal(item, "below", where), **common)  # type: ignore[arg-type]
    raise AlertsError(f"{where}.kind: expected \"price\", \"move\" or \"pnl\", got {kind!r}")


def _move_from_json(item: Mapping[str, object], where: str, common: dict[str, Any]) -> MoveAlert:
    reference = item.get("reference")
    if reference not in ("close", "set"):
        raise AlertsError(f"{where}.reference: expected \"close\" or \"set\", got {reference!r}")
    percent = _decimal(item, "percent", where)
    if percent <= 0:
        raise AlertsError(f"{where}.percent: expected a move above zero such as \"5\", got {percent:f}")
    base = None if reference == "close" else _decimal(item, "base", where)
    return MoveAlert(symbol=_field(item, "symbol", where), percent=percent, reference=Reference(str(reference)),
                     base=base, **common)


def sorted_alerts(alerts: Sequence[Alert]) -> list[Alert]:
    """Return alerts armed first, each group in the order it was set."""
    return [a for a in alerts if a.fired_at is None] + [a for a in alerts if a.fired_at is not None]
