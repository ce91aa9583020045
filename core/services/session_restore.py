"""Restoring a session at start: the live orders, the positions checkpoint and the fills journaled after it.

A restart must not cost more with every finished order (a journal grows by thousands of orders a day). It
loads the orders that can still change (working, pending approval, unknown) and today's (the blotters' day);
the rolling order window gets the last week's order times from an indexed query, run when risk first counts (or
when the window settles it after its first paint: OrderWindow.restore_later); positions (net, per product
and per strategy) start from the checkpoint the previous restart wrote in the journal and fold only the fills
journaled after it, then the new checkpoint is written. The result is the same as folding every fill from the
first: where it could differ the checkpoint is not used and every fill is folded once, as before:

- a fill journaled after the checkpoint carries an earlier time than a fill the checkpoint folded for its
  position (a fold in time order would have taken it earlier);
- the checkpoint's day is neither today nor an earlier day all of whose fills came before today;
- a fill no position took for want of an instrument could now be placed (its instrument became known).
An old finished order is still found when a late report names it (`OrderManager.get` asks the journal).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from core.domain import AccountId, ClientOrderId, Fill, Instrument, Order, Position, StrategyId
from core.domain.product import Product
from core.ports.journal import JournalError
from core.ports.journal_restore import LiveJournal, PositionKey, PositionsCheckpoint
from core.services.risk.order_window import MAX_WINDOW_H

if TYPE_CHECKING:
    from core.services.session import TradingSession

_log = logging.getLogger(__name__)
WINDOW = timedelta(hours=int(MAX_WINDOW_H))
"""How far back the rolling order window counts orders (the longest window that may be set)."""
ZERO = Decimal(0)
OrderOf = Callable[[ClientOrderId], Order | None]


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Return the UTC instants of the local midnights that start and end now's local day."""
    today = now.astimezone().date()
    tomorrow = today + timedelta(days=1)
    start = datetime(today.year, today.month, today.day).astimezone()  # local midnight, in that day's offset
    end = datetime(tomorrow.year, tomorrow.month, tomorrow.day).astimezone()
    return start.astimezone(UTC), end.astimezone(UTC)


def restore_books(session: TradingSession) -> LiveJournal:
    """Restore the session's orders, instruments, positions and order window from the journal; return what was read.

    Writes the new positions checkpoint (a failure to write it is logged: the next restart folds more fills).
    """
    journal, now = session.journal, session.clock.now()
    day_start, day_end = day_bounds(now)
    checkpoint = journal.load_checkpoint()
    rolled = checkpoint is not None and checkpoint.day_start != day_start
    if checkpoint is not None and rolled and not (
            checkpoint.day_start < day_start and all(ts < day_start for ts in checkpoint.newest.values())):
        checkpoint = None

    def load(start: PositionsCheckpoint | None) -> LiveJournal:
        return journal.load_live(day_start, day_end, start.fills_through if start else 0,
                                 start.orders_through if start else 0)

    live = load(checkpoint)
    if checkpoint is not None and not _continues(checkpoint, live.fills):
        checkpoint, live = None, load(None)
    instruments = _instruments(checkpoint, live)
    _add_instruments(session, instruments)
    if checkpoint is not None and any(session.instruments.find(symbol, account) is not None
                                      for account, symbol in checkpoint.unplaced):
        checkpoint, live = None, load(None)
        instruments = _instruments(None, live)
        _add_instruments(session, instruments)
    session.oms.restore(live.orders)
    fills = [fill for _, fill in live.fills]
    order_of: OrderOf = session.oms.get
    if checkpoint is None:  # a first restart of this journal, or one the checkpoint cannot continue: fold every fill
        order_of = _lookup({order.client_order_id: order for order in journal.load_fill_owners()}, session.oms.get)
        net: Sequence[Position] = ()
        own: Sequence[tuple[StrategyId, Position]] = ()
    else:
        net = [_rolled(p) if rolled else p for p in checkpoint.positions]
        own = [(strategy, _rolled(p) if rolled else p) for strategy, p in checkpoint.strategy_positions]

    def product_of(fill: Fill) -> Product | None:  # as TradingSession._product_of, with this restore's lookup
        order = order_of(fill.client_order_id) if fill.client_order_id is not None else None
        chosen = None if order is None else order.product
        return chosen if chosen is not None else fill.product

    session.portfolio.restore(fills, net, product_of)
    session.risk.strategy_positions.restore(fills, session.risk.today(), own, order_of)
    session.risk.window.restore_later(lambda: journal.load_order_window(now - WINDOW), now)  # a week of orders
    if checkpoint is None or rolled or fills or live.orders_through != checkpoint.orders_through:
        _write(session, checkpoint, live, instruments, day_start)
    return live


def _lookup(known: dict[ClientOrderId, Order], otherwise: OrderOf) -> OrderOf:
    def order_of(client_order_id: ClientOrderId) -> Order | None:
        return known.get(client_order_id) or otherwise(client_order_id)

    return order_of


def _continues(checkpoint: PositionsCheckpoint, fills: Iterable[tuple[int, Fill]]) -> bool:
    """Return whether the fills after the checkpoint all come, in time, after the ones it folded for their position."""
    newest = checkpoint.newest
    for _, fill in fills:
        last = newest.get((fill.account_id, fill.symbol))
        if last is not None and fill.ts < last:
            return False
    return True


def _instruments(checkpoint: PositionsCheckpoint | None, live: LiveJournal) -> dict[PositionKey, Instrument]:
    """Return the instrument of the newest order per (account, symbol), in the order they were last traded."""
    found = {} if checkpoint is None else {(a, i.symbol): i for a, i in checkpoint.instruments}
    for account, instrument in live.instruments:
        found.pop((account, instrument.symbol), None)
        found[(account, instrument.symbol)] = instrument
    return found


def _add_instruments(session: TradingSession, instruments: dict[PositionKey, Instrument]) -> None:
    for (account, _), instrument in instruments.items():
        session.instruments.add([instrument], account)


def _rolled(position: Position) -> Position:
    """Return position as a new day starts it: what it held becomes the start of the day (marks are not stored)."""
    return dataclasses.replace(position, sod_quantity=position.quantity, sod_avg_cost=position.avg_cost,
                               day_trade_cash=ZERO, day_fees=ZERO)


def _write(session: TradingSession, checkpoint: PositionsCheckpoint | None, live: LiveJournal,
           instruments: dict[PositionKey, Instrument], day_start: datetime) -> None:
    newest = {} if checkpoint is None else dict(checkpoint.newest)
    for _, fill in live.fills:
        key = (fill.account_id, fill.symbol)
        if key not in newest or fill.ts > newest[key]:
            newest[key] = fill.ts
    keys = set() if checkpoint is None else set(checkpoint.unplaced)
    keys.update((fill.account_id, fill.symbol) for _, fill in live.fills)
    unplaced = frozenset(k for k in keys if session.portfolio.position(*k) is None)
    state = PositionsCheckpoint(
        day_start=day_start, fills_through=live.fills_through, orders_through=live.orders_through, newest=newest,
        positions=tuple(session.portfolio.folded()), strategy_positions=tuple(session.risk.strategy_positions.folded()),
        instruments=tuple((AccountId(account), i) for (account, _), i in instruments.items()), unplaced=unplaced)
    try:
        session.journal.record_checkpoint(state)
    except JournalError as exc:
        _log.warning("%s The next start reads every fill since the last checkpoint again.", exc)
