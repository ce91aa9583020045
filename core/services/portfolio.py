"""Portfolio: positions per account and symbol, cash per account, P&L per account and per currency.

Where the broker keeps positions apart per product (Kite: CNC, MIS, NRML) the portfolio also keeps each
product's position of a symbol (`products`), from the product of the order each fill belongs to; the net
position per account and symbol (what risk, P&L and the chart read) stays as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

from core.domain import (
    AccountId,
    AccountUpdated,
    Fill,
    FillRecorded,
    Instrument,
    Money,
    Position,
    PositionUpdated,
    Quote,
)
from core.domain.product import Product
from core.ports.clock import Clock
from core.services.bus import EventBus
from core.services.conflation import Conflated, ConflatedSources
from core.services.daily_pnl import DailyPnlSums, DailySum
from core.services.instruments import instrument_for
from core.services.reference_feeds import ReferenceFeeds

ZERO = Decimal(0)
ProductOf = Callable[[Fill], Product | None]
"""The product of the order a fill belongs to (None: no product, or an order TradeTerm did not send)."""
_NONE: Mapping[str, Position] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class PnlTotals:
    """Sums over positions in one currency; a figure is None while some position has no mark."""

    currency: str
    market_value: Decimal | None
    unrealized: Decimal | None
    realized: Decimal
    daily: Decimal | None


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    total = ZERO
    for value in values:
        if value is None:
            return None
        total += value
    return total


class Portfolio:
    """Keep positions from journaled fills and marks from quotes.

    Events: PositionUpdated(position) on every fill. A quote that moves a held position does not
    publish an event per tick: consumers take the marked positions from `conflate_marks`, newest
    once per drain (the grid once per frame, the daily-loss watch once per turn of the loop).
    """

    def __init__(self, bus: EventBus, instruments: Mapping[str, Instrument], clock: Clock,
                 references: ReferenceFeeds | None = None, product_of: ProductOf | None = None) -> None:
        self._bus = bus
        self._product_of = product_of
        self._references = references if references is not None else ReferenceFeeds()
        self._instruments = instruments
        self._clock = clock
        self._positions: dict[tuple[AccountId, str], Position] = {}
        self._by_account: dict[AccountId, dict[str, Position]] = {}
        self._daily = DailyPnlSums()
        self._by_symbol: dict[str, list[Position]] = {}
        self._last: dict[tuple[str, str], tuple[Decimal | None, Decimal | None]] = {}  # by (feed, symbol)
        self._fed: set[tuple[str, str]] = set()  # (account, symbol) pairs whose own feed quotes the symbol
        self._cash: dict[AccountId, tuple[Money, ...]] = {}
        self._split: dict[tuple[AccountId, str], dict[Product, Position]] = {}  # each product's, where fills had one
        self._marks: ConflatedSources[Position, Position] = ConflatedSources()
        self._revision = 0  # bumped whenever a fill, a mark or a restore may change a net position
        self._totals: dict[AccountId | None, dict[str, PnlTotals]] = {}
        self._totals_revision = 0
        bus.subscribe(FillRecorded, self._on_fill_recorded)
        bus.subscribe_quotes(self._on_quotes)
        bus.subscribe(AccountUpdated, self._on_account_updated)

    def positions(self, account_id: AccountId | None = None) -> list[Position]:
        if account_id is None:
            return list(self._positions.values())
        return list(self._by_account.get(account_id, {}).values())

    def held(self, account_id: AccountId) -> Mapping[str, Position]:
        """Return the account's positions by symbol, flat ones included (a live view: do not change it)."""
        return self._by_account.get(account_id, _NONE)

    def daily_sums(self, account_id: AccountId) -> Mapping[str, DailySum]:
        """Return the account's running daily P&L per currency; costs what changed since the last call."""
        return self._daily.sums(account_id)

    def conflate_marks(self, wake: Callable[[], None]) -> Conflated[Position, Position]:
        """Return a view of the positions marked by quotes since its last drain (see Conflated)."""
        return self._marks.conflate(wake)

    def release_marks(self, view: Conflated[Position, Position]) -> None:
        """Stop feeding a view returned by `conflate_marks`."""
        self._marks.release(view)

    def position(self, account_id: AccountId, symbol: str) -> Position | None:
        return self._positions.get((account_id, symbol))

    def products(self, account_id: AccountId, symbol: str) -> list[Position]:
        """Return the account's positions of symbol per product (flat ones included); [] where fills had none."""
        return list(self._split.get((account_id, symbol), {}).values())

    def has_products(self, account_id: AccountId, symbol: str) -> bool:
        """Return True when the account holds symbol per product (Kite): the grid shows its products' rows."""
        return (account_id, symbol) in self._split

    def cash(self, account_id: AccountId) -> tuple[Money, ...]:
        return self._cash.get(account_id, ())

    def restore(self, fills: Iterable[Fill], start: Iterable[Position] = (),
                product_of: ProductOf | None = None) -> None:
        """Rebuild positions from journaled fills; fills of earlier days form the start-of-day position.

        start: positions folded from earlier fills (a checkpoint's copies: net ones and each product's), which the
        fills then continue; product_of: the product of each fill's order while restoring (else the session's).
        """
        today = self._today()
        for position in start:
            self._adopt(position)
        for fill in fills:
            booked = self._local_date(fill.ts) == today
            net = self._apply(fill, today=booked)
            if net is not None:
                self._apply_product(fill, net, today=booked, product_of=product_of)
        self._daily.reset(self._positions.values())
        for position in self._positions.values():
            self._bus.publish(PositionUpdated(position))
        for split in self._split.values():
            for position in split.values():
                self._bus.publish(PositionUpdated(position))

    def folded(self) -> list[Position]:
        """Return copies of every position as its fills made it (net ones, then each product's), for a checkpoint."""
        copies = [dataclasses.replace(p, last_price=None, prev_close=None) for p in self._positions.values()]
        return copies + [dataclasses.replace(p, last_price=None, prev_close=None)
                         for split in self._split.values() for p in split.values()]

    def _adopt(self, position: Position) -> None:
        self._revision += 1
        key = (position.account_id, position.symbol)
        if position.product is not None:
            net = self._positions.get(key)
            if net is not None:
                position.instrument = net.instrument
                position.mark(net.last_price, net.prev_close)
            self._split.setdefault(key, {})[position.product] = position
            return
        instrument = instrument_for(self._instruments, position.symbol, position.account_id)
        if instrument is not None:
            position.instrument = instrument  # the catalog's newest, as a fold of every fill would have it
        self._positions[key] = position
        self._by_account.setdefault(position.account_id, {})[position.symbol] = position
        self._by_symbol.setdefault(position.symbol, []).append(position)
        position.mark(*self._mark_of(position.account_id, position.symbol))

    def totals(self, account_id: AccountId | None = None) -> dict[str, PnlTotals]:
        """Return P&L sums per currency, for one account or for all.

        Summed once per change of the positions: the status bar and each P&L curve read them every sample,
        mostly between the same fills and marks.
        """
        if self._totals_revision != self._revision:
            self._totals.clear()
            self._totals_revision = self._revision
        totals = self._totals.get(account_id)
        if totals is None:
            totals = self._totals[account_id] = self._sum_totals(account_id)
        return dict(totals)

    def _sum_totals(self, account_id: AccountId | None) -> dict[str, PnlTotals]:
        groups: dict[str, list[Position]] = {}
        for position in self.positions(account_id):
            groups.setdefault(position.currency, []).append(position)
        return {
            currency: PnlTotals(
                currency=currency,
                market_value=_sum(p.market_value for p in group),
                unrealized=_sum(p.unrealized_pnl for p in group),
                realized=sum((p.realized_pnl for p in group), ZERO),
                daily=_sum(p.daily_pnl for p in group),
            )
            for currency, group in sorted(groups.items())
        }

    def _on_fill_recorded(self, event: FillRecorded) -> None:
        position = self._apply(event.fill, today=True)
        if position is not None:
            self._bus.publish(PositionUpdated(position))
            split = self._apply_product(event.fill, position, today=True)
            if split is not None:
                self._bus.publish(PositionUpdated(split))

    def _apply(self, fill: Fill, today: bool) -> Position | None:
        self._revision += 1
        key = (fill.account_id, fill.symbol)
        position = self._positions.get(key)
        if position is None:
            instrument = instrument_for(self._instruments, fill.symbol, fill.account_id)
            if instrument is None:
                return None
            position = Position(fill.account_id, instrument)
            last, close = self._mark_of(fill.account_id, fill.symbol)
            position.mark(last, close)
            self._positions[key] = position
            self._by_account.setdefault(fill.account_id, {})[fill.symbol] = position
            self._by_symbol.setdefault(fill.symbol, []).append(position)
        position.apply(fill, today=today)
        self._daily.touch(position)
        return position

    def _apply_product(self, fill: Fill, net: Position, today: bool,
                       product_of: ProductOf | None = None) -> Position | None:
        """Book fill on its product's position too (not in the daily sums: the net position counts it)."""
        product_of = product_of or self._product_of
        product = product_of(fill) if product_of is not None else None
        if product is None:
            return None
        split = self._split.setdefault((fill.account_id, fill.symbol), {})
        position = split.get(product)
        if position is None:
            position = split[product] = Position(fill.account_id, net.instrument, product=product)
            position.mark(net.last_price, net.prev_close)
        position.apply(fill, today=today)
        return position

    def _mark_of(self, account: str, symbol: str) -> tuple[Decimal | None, Decimal | None]:
        """Return the last and close a new position of account starts from: its own feed's, else its reference's."""
        own = self._last.get((account, symbol))
        if own is not None:
            return own
        reference = self._references.of(account)
        return self._last.get((reference or "", symbol), (None, None))

    def _on_quotes(self, quotes: Sequence[Quote]) -> None:
        """Mark each position with its own account's feed, or with the reference feed the trader chose for it.

        Never with another account's feed silently: a position of an account without either stays unmarked
        (a quote without a source, fed by hand or by a test, belongs to no account and marks any).
        """
        marks, fed, by_symbol, reference_of = self._last, self._fed, self._by_symbol, self._references.of
        touch, views, split = self._daily.touch, self._marks.views, self._split
        for quote in quotes:
            symbol, bid, ask, last, close, _, _, _, source, _ = quote  # one step for a tuple
            if last is None and bid is not None and ask is not None:
                last = (bid + ask) / 2
            marks[(source, symbol)] = (last, close)
            if source:
                fed.add((source, symbol))
            positions = by_symbol.get(symbol)
            if not positions:
                continue
            for position in positions:
                account = position.account_id  # an AccountId is a str: it compares with the feed's name as is
                if account != source and ((source and reference_of(account) != source) or (account, symbol) in fed):
                    continue
                self._revision += 1
                position.mark(last, close)
                touch(position)
                for view in views:
                    view.put(position, position)
                products = split.get((account, symbol)) if split else None
                if products:
                    for product in products.values():
                        product.mark(last, close)
                        for view in views:
                            view.put(product, product)

    def _on_account_updated(self, event: AccountUpdated) -> None:
        self._cash[event.account_id] = event.cash

    def _today(self) -> date:
        return self._local_date(self._clock.now())

    @staticmethod
    def _local_date(ts: datetime) -> date:
        return ts.astimezone().date()
