"""Kite's market depth: the 5 bid and 5 ask levels of a full-mode tick, as a DepthBook. Pure.

KiteTicker parses them (`depth.buy` / `depth.sell`: price, quantity, orders; broker-protocols B3); a level
with no quantity is an empty slot and is left out. Index packets and ltp/quote-mode ticks carry no depth.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.adapters.kite.parsing import decimal_of
from core.domain.depth import BookLevel, DepthBook


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
