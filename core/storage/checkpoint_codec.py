"""The positions checkpoint as stored text (JSON rows, decimals as exact strings), and back.

Read at every start before the first paint, so it is stored as rows, not objects of named fields: each distinct
instrument once (its fields named once, in `instrument_fields`), each position a row of its fold's fields, each
repeated decimal and account decoded once. Marks come from quotes and are not stored. A checkpoint of format 2
(checkpoint_v2) is still read; one of any other format is not used (the restart folds every fill).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from core.domain import AccountId, Instrument, Position, StrategyId
from core.domain.enums import AssetClass
from core.domain.product import Product
from core.ports.journal import JournalError
from core.ports.journal_restore import PositionsCheckpoint
from core.storage import codec
from core.storage.checkpoint_v2 import decode_v2
from core.storage.codec import JSONObject, JSONValue
from core.storage.json_shapes import as_int, as_list, as_str, rows_of

FORMAT: Final = 3
"""The checkpoint text's own format."""
FOLDED: Final = ("quantity", "avg_cost", "realized_pnl", "fees", "sod_quantity", "sod_avg_cost", "day_trade_cash",
                 "day_fees")
"""A position's fields as its fills made them, in the order of a stored position row after its account,
instrument and product."""
_POSITION_WIDTH: Final = 3 + len(FOLDED)
_DECIMAL_FIELDS: Final = frozenset({"tick_size", "lot_size", "multiplier"})
INSTRUMENT_FIELDS: Final = ("symbol", "venue", "currency", "tick_size", "lot_size", "multiplier", "asset_class",
                            "name", "max_order_qty", "margin_rate")
"""Every field of Instrument, as the checkpoint stores them (a test keeps this list whole)."""


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
        "positions": [_position_row(p, ref) for p in checkpoint.positions],
        "strategy_positions": [[strategy, *_position_row(p, ref)] for strategy, p in checkpoint.strategy_positions],
        "instruments": [[account, ref(i)] for account, i in checkpoint.instruments],
        "unplaced": [[account, symbol] for account, symbol in sorted(checkpoint.unplaced)],
    }
    body["instrument_fields"] = list(INSTRUMENT_FIELDS)
    body["instrument_table"] = [[_encode_field(getattr(i, name)) for name in INSTRUMENT_FIELDS] for i in index]
    return codec.to_json(body)


def decode_checkpoint(text: str) -> PositionsCheckpoint | None:
    """Return the checkpoint in text; None for one of an unknown format. JournalError if it is damaged."""
    try:
        raw = codec.from_json(text)
        if not isinstance(raw, dict) or raw.get("format") not in (FORMAT, 2):
            return None
        if raw["format"] == 2:
            return decode_v2(raw)
        return _Rows().checkpoint(raw)
    except (KeyError, IndexError, TypeError, ValueError, ArithmeticError) as exc:
        raise JournalError(f"positions checkpoint: {exc}") from None


def _position_row(position: Position, ref: Callable[[Instrument], int]) -> list[JSONValue]:
    product = None if position.product is None else position.product.value
    return [position.account_id, ref(position.instrument), product,
            *(codec.encode_decimal(getattr(position, name)) for name in FOLDED)]


def _encode_field(value: object) -> JSONValue:
    if value is None or isinstance(value, str):  # str: also the asset class (a StrEnum)
        return None if value is None else str(value)
    if isinstance(value, Decimal):
        return codec.encode_decimal(value)
    raise TypeError(f"no checkpoint encoding for {value!r}")


class _Rows:
    """One decode of format 3: each distinct decimal and account string is made once."""

    def __init__(self) -> None:
        self._decimals: dict[str, Decimal] = {}
        self._accounts: dict[str, AccountId] = {}

    def checkpoint(self, raw: JSONObject) -> PositionsCheckpoint:
        table = self._instruments(raw["instrument_fields"], raw["instrument_table"])
        account = self._account
        return PositionsCheckpoint(
            day_start=codec.decode_datetime(raw["day_start"], "day_start"),
            fills_through=as_int(raw["fills_through"]),
            orders_through=as_int(raw["orders_through"]),
            newest={(account(a), as_str(s)): codec.decode_datetime(ts, "newest")
                    for a, s, ts in rows_of(raw["newest"], 3)},
            positions=tuple(self._position(row, table) for row in rows_of(raw["positions"], _POSITION_WIDTH)),
            strategy_positions=tuple((StrategyId(as_str(row[0])), self._position(row[1:], table))
                                     for row in rows_of(raw["strategy_positions"], 1 + _POSITION_WIDTH)),
            instruments=tuple((account(a), table[as_int(i)]) for a, i in rows_of(raw["instruments"], 2)),
            unplaced=frozenset((account(a), as_str(s)) for a, s in rows_of(raw["unplaced"], 2)),
        )

    def _instruments(self, fields: JSONValue, rows: JSONValue) -> list[Instrument]:
        names = [as_str(name) for name in as_list(fields)]
        unknown = set(names) - set(INSTRUMENT_FIELDS)
        if unknown:
            raise ValueError(f"unknown instrument field(s) {', '.join(sorted(unknown))}")
        decoders = [self._field_decoder(name) for name in names]
        return [Instrument(**{name: decode(value) for name, decode, value in zip(names, decoders, row, strict=True)})
                for row in rows_of(rows, len(names))]

    def _field_decoder(self, name: str) -> Callable[[JSONValue], Any]:
        if name in _DECIMAL_FIELDS:
            return self._decimal
        if name in ("max_order_qty", "margin_rate"):
            return lambda raw: None if raw is None else self._decimal(raw)
        if name == "asset_class":
            return lambda raw: AssetClass(as_str(raw))
        return as_str

    def _position(self, row: list[JSONValue], table: list[Instrument]) -> Position:
        product = row[2]
        return Position(self._account(row[0]), table[as_int(row[1])],
                        product=None if product is None else Product(as_str(product)),
                        **dict(zip(FOLDED, map(self._decimal, row[3:]), strict=True)))

    def _decimal(self, raw: JSONValue) -> Decimal:
        value = self._decimals.get(raw)  # type: ignore[arg-type]  # a list or object: TypeError (unhashable)
        if value is None:
            value = Decimal(as_str(raw))
            if not value.is_finite():
                raise ValueError(f"{raw!r} is not a finite number")
            self._decimals[as_str(raw)] = value
        return value

    def _account(self, raw: JSONValue) -> AccountId:
        account = self._accounts.get(raw)  # type: ignore[arg-type]  # as _decimal
        if account is None:
            account = self._accounts[as_str(raw)] = AccountId(as_str(raw))
        return account
