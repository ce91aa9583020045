"""The positions checkpoint's format 2 (written until 2026-12-07): read, never written, so an upgrade folds no fill.

Objects of named fields, each instrument through the journal's generic codec: 17 ms for 500 positions and 534
instruments, which checkpoint_codec's format 3 reads in a fraction of that. A restart that reads a format 2
checkpoint writes format 3 the next time it writes one (the next day, or after any new fill or order).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from core.domain import AccountId, Instrument, Position, StrategyId
from core.domain.product import Product
from core.ports.journal import JournalError
from core.ports.journal_restore import PositionsCheckpoint
from core.storage import codec
from core.storage.codec import JSONObject, JSONValue

FORMAT: Final = 2
_FOLDED: Final = ("quantity", "avg_cost", "realized_pnl", "fees", "sod_quantity", "sod_avg_cost", "day_trade_cash",
                  "day_fees")


def decode_v2(raw: JSONObject) -> PositionsCheckpoint:
    """Return the format 2 checkpoint parsed into raw. JournalError if it is damaged."""
    try:
        table = [codec.decode_instrument(i) for i in _list(raw["instrument_table"])]
        return PositionsCheckpoint(
            day_start=codec.decode_datetime(raw["day_start"], "day_start"),
            fills_through=_int(raw["fills_through"]),
            orders_through=_int(raw["orders_through"]),
            newest={(AccountId(_str(a)), _str(s)): codec.decode_datetime(ts, "newest")
                    for a, s, ts in _rows(raw["newest"], 3)},
            positions=tuple(_decode_position(p, table) for p in _list(raw["positions"])),
            strategy_positions=tuple((StrategyId(_str(s)), _decode_position(p, table))
                                     for s, p in _rows(raw["strategy_positions"], 2)),
            instruments=tuple((AccountId(_str(a)), table[_int(i)]) for a, i in _rows(raw["instruments"], 2)),
            unplaced=frozenset((AccountId(_str(a)), _str(s)) for a, s in _rows(raw["unplaced"], 2)),
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise JournalError(f"positions checkpoint: {exc}") from None


def _decode_position(raw: JSONValue, table: list[Instrument]) -> Position:
    if not isinstance(raw, dict):
        raise TypeError(f"expected a position object, got {raw!r}")
    product = raw["product"]
    values: dict[str, Decimal] = {name: codec.decode_decimal(raw[name], name) for name in _FOLDED}
    return Position(AccountId(_str(raw["account_id"])), table[_int(raw["instrument"])],
                    product=None if product is None else Product(_str(product)), **values)


def _rows(raw: JSONValue, width: int) -> list[list[JSONValue]]:
    rows = _list(raw)
    for row in rows:
        if not isinstance(row, list) or len(row) != width:
            raise TypeError(f"expected rows of {width}, got {row!r}")
    return rows  # type: ignore[return-value]


def _list(raw: JSONValue) -> list[JSONValue]:
    if not isinstance(raw, list):
        raise TypeError(f"expected a list, got {raw!r}")
    return raw


def _str(raw: JSONValue) -> str:
    if not isinstance(raw, str):
        raise TypeError(f"expected a string, got {raw!r}")
    return raw


def _int(raw: JSONValue) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise TypeError(f"expected an integer, got {raw!r}")
    return raw
