"""Kite's market depth (the 5 bid and 5 ask levels of a full-mode tick, as a DepthBook) and tape. Pure.

The tape: a tick whose volume_traded grew reports a trade of last_traded_quantity at last_price, the aggressor
being the side whose touch it printed at.

KiteTicker parses them (`depth.buy` / `depth.sell`: price, quantity, orders; broker-protocols B3); a level
with no quantity is an empty slot and is left out. Index packets and ltp/quote-mode ticks carry no depth.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.adapters.kite.parsing import decimal_of
from core.domain import Event, Side
from core.domain.depth import BookLevel, DepthBook
from core.domain.tape import TradePrint


def _levels(rows: Any) -> tuple[BookLevel, ...]:
    return tuple(
        BookLevel(decimal_of(row["price"]), decimal_of(row["quantity"]),
                  int(row["orders"]) if row.get("orders") is not None else None)
        for row in rows or () if row.get("quantity")
    )


def parse_depth(tick: Mapping[str, Any], symbol: str, source: str, ts: datetime) -> DepthBook | None:
    """Return the book of a full-mode tick, or None when the tick carries no depth."""
    depth = tick.get("depth")
    if not isinstance(depth, Mapping):
        return None
    return DepthBook(symbol, source, _levels(depth.get("buy")), _levels(depth.get("sell")), ts=ts)


def no_depth_note(mode: str) -> str:
    """Say why a Kite account shows top of book only."""
    return (f"Kite's ticker runs in {mode} mode, which carries no market depth — top of book only. "
            "Set the account's ticker mode to full for 5 levels.")


def parse_print(tick: Mapping[str, Any], symbol: str, source: str, volume_before: Decimal | None,
                ts: datetime) -> TradePrint | None:
    """Return the trade a tick reports (its volume grew since volume_before), or None."""
    volume, last = tick.get("volume_traded"), tick.get("last_price")
    if volume is None or last is None or volume_before is None or decimal_of(volume) <= volume_before:
        return None
    price = decimal_of(last)
    size = tick.get("last_traded_quantity")
    raw = tick.get("depth")
    depth: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    bids = [row for row in depth.get("buy", ()) if row.get("quantity")]
    asks = [row for row in depth.get("sell", ()) if row.get("quantity")]
    aggressor = (Side.BUY if asks and decimal_of(asks[0]["price"]) == price
                 else Side.SELL if bids and decimal_of(bids[0]["price"]) == price else None)
    return TradePrint(symbol, source, price, decimal_of(size) if size else decimal_of(volume) - volume_before,
                      aggressor, ts=ts)


class KiteMarketDepth:
    """The symbols of one Kite account whose book and tape are published, and the volume each last showed."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.depth: set[str] = set()
        self.tape: dict[str, Decimal | None] = {}

    def on_tick(self, tick: Mapping[str, Any], symbol: str, ts: datetime) -> list[Event]:
        """Return the DepthBook and TradePrint a tick of symbol makes, for the symbols asked for."""
        events: list[Event] = []
        if symbol in self.depth:
            book = parse_depth(tick, symbol, self.source, ts)
            if book is not None:
                events.append(book)
        if symbol in self.tape:
            trade = parse_print(tick, symbol, self.source, self.tape[symbol], ts)
            if trade is not None:
                events.append(trade)
            if tick.get("volume_traded") is not None:
                self.tape[symbol] = decimal_of(tick["volume_traded"])
        return events
