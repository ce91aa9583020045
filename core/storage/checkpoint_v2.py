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
from core.storage.json_shapes import as_int, as_list, as_str, rows_of

FORMAT: Final = 2
_FOLDED: Final = ("quantity", "avg_cost", "realized_pnl", "fees", "sod_quantity", "sod_avg_cost", "day_trade_cash",
                  "day_fees")


def decode_v2(raw: JSONObject) -> PositionsCheckpoint:
    """Return the format 2 checkpoint parsed into raw. JournalError if it is damaged."""
    try:
        table = [codec.decode_instrument(i) for i in as_list(raw["instrument_table"])]
        return PositionsCheckpoint(
            day_start=codec.decode_datetime(raw["day_start"], "day_start"),
            fills_through=as_int(raw["fills_through"]),
            orders_through=as_int(raw["orders_through"]),
            newest={(AccountId(as_str(a)), as_str(s)): codec.decode_datetime(ts, "newest")
                    for a, s, ts in rows_of(raw["newest"], 3)},
            positions=tuple(_decode_position(p, table) for p in as_list(raw["positions"])),
            strategy_positions=tuple((StrategyId(as_str(s)), _decode_position(p, table))
                                     for s, p in rows_of(raw["strategy_positions"], 2)),
            instruments=tuple((AccountId(as_str(a)), table[as_int(i)]) for a, i in rows_of(raw["instruments"], 2)),
            unplaced=frozenset((AccountId(as_str(a)), as_str(s)) for a, s in rows_of(raw["unplaced"], 2)),
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise JournalError(f"positions checkpoint: {exc}") from None


def _decode_position(raw: JSONValue, table: list[Instrument]) -> Position:
    if not isinstance(raw, dict):
        raise TypeError(f"expected a position object, got {raw!r}")
    product = raw["product"]
    values: dict[str, Decimal] = {name: codec.decode_decimal(raw[name], name) for name in _FOLDED}
    return Position(AccountId(as_str(raw["account_id"])), table[as_int(raw["instrument"])],
                    product=None if product is None else Product(as_str(product)), **values)
