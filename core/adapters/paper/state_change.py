"""One change to the paper broker's books, as a line of its change log: only what changed, merged on replay.

A change is a partial snapshot with the snapshot's keys: "orders" are upserted by client order
id (a new one joins the end of the book, as on the engine), "fills" are appended, "cash",
"positions", "mids" and "closes" are merged per key, and "trade_seq", "order_seq" and
"trading_day" replace what was there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from core.adapters.paper.books import Books
from core.adapters.paper.matching import PaperOrder
from core.adapters.paper.state_file import PaperState, decode_holding, decode_order, encode_holding, encode_order
from core.adapters.state_json import decode_fill, encode_fill
from core.domain import ClientOrderId, Instrument


class ChangeRecorder:
    """Remember what the snapshot and the log already hold; describe only what changed since.

    Of the holdings it compares only those a fill moved since the last write (`Books.moved`).

    It also keeps each order and fill as last written (encoded), so that a compaction encodes
    only what changed since instead of the whole day's orders again.
    """

    def __init__(
        self,
        state: PaperState,
        orders: dict[ClientOrderId, dict[str, Any]] | None = None,
        fills: list[dict[str, Any]] | None = None,
    ) -> None:
        self.orders: dict[ClientOrderId, dict[str, Any]] = {} if orders is None else orders
        """Each order as the snapshot or the log last wrote it (those not here: encode afresh)."""
        self.fills: list[dict[str, Any]] = [] if fills is None else fills
        """The first fills of the books as written (the rest: encode afresh)."""
        self._described: list[tuple[ClientOrderId, dict[str, Any]]] = []
        self._described_fills: list[dict[str, Any]] = []
        self._fills = 0
        self._cash: dict[str, Decimal] = {}
        self._holdings: dict[str, tuple[Decimal, Decimal]] = {}
        self._seqs = (0, 0)
        self._mids: dict[str, Decimal] = {}
        self._closes: dict[str, Decimal] = {}
        self._levels_seen: tuple[Mapping[str, Decimal] | None, Mapping[str, Decimal] | None] = (None, None)
        """The mids and closes mappings last written: the same objects again have not moved."""
        self._day = state.trading_day
        self._whole = True
        """The next `written` takes every holding (the books as a snapshot wrote them), later ones the moved only."""
        self.written(state.trading_day, state.books, state.mids, state.closes)

    def describe(
        self,
        trading_day: date,
        books: Books,
        orders: Iterable[PaperOrder],
        mids: Mapping[str, Decimal],
        closes: Mapping[str, Decimal],
    ) -> dict[str, Any] | None:
        """Return the change since the last write ({} if none); None if it cannot be one (fills were pruned).

        mids, closes: the very mapping last written is taken as unmoved, unread (the market hands out
        a read-only mapping and a new one once its levels move); any other is compared level by level.
        """
        if len(books.fills) < self._fills:
            return None
        change: dict[str, Any] = {}
        self._described = [(order.client_order_id, encode_order(order)) for order in orders]
        if self._described:
            change["orders"] = [encoded for _, encoded in self._described]
        self._described_fills = [encode_fill(fill) for fill in books.fills[self._fills:]]
        if self._described_fills:
            change["fills"] = self._described_fills
        cash = {currency: str(amount) for currency, amount in books.cash.items() if self._cash.get(currency) != amount}
        if cash:
            change["cash"] = cash
        holdings, written = books.holdings, self._holdings
        positions = {
            symbol: encode_holding(h)
            for symbol in books.moved
            if (h := holdings.get(symbol)) is not None and written.get(symbol) != (h.quantity, h.avg_cost)
        }
        if positions:
            change["positions"] = positions
        if (books.trade_seq, books.order_seq) != self._seqs:
            change["trade_seq"] = books.trade_seq
            change["order_seq"] = books.order_seq
        if mids is not self._levels_seen[0]:  # the market hands out the same mapping until its levels move
            _put_moved(change, "mids", mids, self._mids)
        if closes is not self._levels_seen[1]:
            _put_moved(change, "closes", closes, self._closes)
        if trading_day != self._day:
            change["trading_day"] = trading_day.isoformat()
        return change

    def written(
        self, trading_day: date, books: Books, mids: Mapping[str, Decimal], closes: Mapping[str, Decimal]
    ) -> None:
        """Take these books and levels (and the orders and fills last described) as what is on disk now."""
        self.orders.update(self._described)
        if len(self.fills) == self._fills:
            self.fills.extend(self._described_fills)
        self._described, self._described_fills = [], []
        self._fills = len(books.fills)
        self._cash = dict(books.cash)
        if self._whole:
            self._holdings = {symbol: (h.quantity, h.avg_cost) for symbol, h in books.holdings.items()}
            self._whole = False
        else:
            holdings = books.holdings
            self._holdings.update({symbol: (h.quantity, h.avg_cost) for symbol in books.moved
                                   if (h := holdings.get(symbol)) is not None})
        books.moved.clear()
        self._seqs = (books.trade_seq, books.order_seq)
        if mids is not self._levels_seen[0] or closes is not self._levels_seen[1]:
            self._mids = dict(mids)
            self._closes = dict(closes)
            self._levels_seen = (mids, closes)
        self._day = trading_day


def _put_moved(
    change: dict[str, Any], key: str, levels: Mapping[str, Decimal], written: Mapping[str, Decimal]
) -> None:
    moved = {symbol: str(price) for symbol, price in levels.items() if written.get(symbol) != price}
    if moved:
        change[key] = moved


def apply_change(
    state: PaperState,
    orders: dict[ClientOrderId, PaperOrder],
    change: Mapping[str, Any],
    instruments: Mapping[str, Instrument],
) -> None:
    """Merge one logged change into state (its orders kept in `orders`, by client order id, in book order)."""
    books = state.books
    for raw in change.get("orders", ()):
        order = decode_order(raw, instruments)
        orders[order.client_order_id] = order
    books.fills.extend(decode_fill(raw, books.account_id) for raw in change.get("fills", ()))
    books.cash.update({currency: Decimal(amount) for currency, amount in change.get("cash", {}).items()})
    books.holdings.update({symbol: decode_holding(raw) for symbol, raw in change.get("positions", {}).items()})
    if "trade_seq" in change:
        books.trade_seq = int(change["trade_seq"])
        books.order_seq = int(change["order_seq"])
    state.mids.update({symbol: Decimal(price) for symbol, price in change.get("mids", {}).items()})
    state.closes.update({symbol: Decimal(price) for symbol, price in change.get("closes", {}).items()})
    if "trading_day" in change:
        state.trading_day = date.fromisoformat(change["trading_day"])
