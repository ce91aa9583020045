"""The positions checkpoint as stored text (JSON, decimals as exact strings), and back.

A position is stored with the fields its fills made (quantity, average cost, realised P&L, fees, the start of
day and the day's trading); marks come from quotes and are not stored.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final

from core.domain import AccountId, Instrument, Position, StrategyId
from core.domain.product import Product
from core.ports.journal import JournalError
from core.ports.journal_restore import PositionsCheckpoint
from core.storage import codec
from core.storage.codec import JSONObject, JSONValue

FORMAT: Final = 2
"""The checkpoint text's own format: a checkpoint of another format is not used (a restart folds every fill)."""
_FOLDED: Final = ("quantity", "avg_cost", "realized_pnl", "fees", "sod_quantity", "sod_avg_cost", "day_trade_cash",
                  "day_fees")


def encode_checkpoint(checkpoint: PositionsCheckpoint) -> str:
    """Return checkpoint as JSON text (each distinct instrument once; positions and the catalog name it by index)."""
    index: dict[Instrument, int] = {}

    def ref(instrument: Instrument) -> int:
        return index.setdefault(instrument, len(index))

    body: JSONObject = {
        "format": FORMAT,
        "day_start": codec.encode_datetime(checkpoint.day_start),
        "fills_through": checkpoint.fills_through,
        "orders_through": checkpoint.orders_through,
        "newest": [[account, symbol, codec.encode_datetime(ts)] for (account, symbol), ts in checkpoint.newest.items()],
        "positions": [_encode_position(p, ref) for p in checkpoint.positions],
        "strategy_positions": [[strategy, _encode_position(p, ref)] for strategy, p in checkpoint.strategy_positions],
        "instruments": [[account, ref(i)] for account, i in checkpoint.instruments],
        "unplaced": [[account, symbol] for account, symbol in sorted(checkpoint.unplaced)],
    }
    body["instrument_table"] = [codec.encode_instrument(i) for i in index]
    return codec.to_json(body)


def decode_checkpoint(text: str) -> PositionsCheckpoint | None:
    """Return the checkpoint in text; None for one of another format. JournalError if it is damaged."""
    try:
        raw = codec.from_json(text)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            return None
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


def _encode_position(position: Position, ref: Callable[[Instrument], int]) -> JSONObject:
    body: JSONObject = {"account_id": position.account_id, "instrument": ref(position.instrument),
                        "product": None if position.product is None else position.product.value}
    for name in _FOLDED:
        body[name] = codec.encode_decimal(getattr(position, name))
    return body


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
