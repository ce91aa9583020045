"""Binary ticker frames as Kite sends them: big-endian int32 fields, prices in paise, packets counted."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


def paise(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


@dataclass(frozen=True, slots=True)
class TickState:
    """What one instrument's packet carries, in rupees and shares."""

    token: int
    last: Decimal
    last_qty: int
    avg: Decimal
    volume: int
    buy_qty: int
    sell_qty: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    bids: tuple[tuple[int, Decimal, int], ...] = ()
    asks: tuple[tuple[int, Decimal, int], ...] = ()
    last_trade_time: int = 0
    exchange_time: int = 0


def ltp_packet(tick: TickState) -> bytes:
    """8 bytes: token, last price."""
    return struct.pack(">II", tick.token, paise(tick.last))


def quote_packet(tick: TickState) -> bytes:
    """44 bytes: token, ltp, last qty, average price, volume, buy qty, sell qty, open, high, low, close."""
    return struct.pack(">11I", tick.token, paise(tick.last), tick.last_qty, paise(tick.avg), tick.volume,
                       tick.buy_qty, tick.sell_qty, paise(tick.open), paise(tick.high), paise(tick.low),
                       paise(tick.close))


def full_packet(tick: TickState) -> bytes:
    """184 bytes: the quote fields, times and OI, then 5 buy and 5 sell depth entries of 12 bytes."""
    head = quote_packet(tick) + struct.pack(">5I", tick.last_trade_time, 0, 0, 0, tick.exchange_time)
    depth = b""
    for side in (tick.bids, tick.asks):
        levels = list(side)[:5] + [(0, Decimal(0), 0)] * (5 - min(5, len(side)))
        for qty, price, orders in levels:
            depth += struct.pack(">IIH2x", qty, paise(price), orders)
    packet = head + depth
    assert len(packet) == 184
    return packet


def index_packet(tick: TickState, full: bool) -> bytes:
    """28 bytes (quote) or 32 (full): token, ltp, high, low, open, close, change[, exchange time]."""
    change = 0
    packet = struct.pack(">7I", tick.token, paise(tick.last), paise(tick.high), paise(tick.low), paise(tick.open),
                         paise(tick.close), change)
    return packet + struct.pack(">I", tick.exchange_time) if full else packet


def frame(packets: Sequence[bytes]) -> bytes:
    """Join packets into one binary message: uint16 count, then uint16 length + bytes for each."""
    return struct.pack(">H", len(packets)) + b"".join(struct.pack(">H", len(p)) + p for p in packets)
