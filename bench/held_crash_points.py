"""Crash points of held protective orders: the app killed (SIGKILL) around a held stop-loss, restarted, checked;
prints one JSON line of figures.

    python -m bench.held_crash_points [--runs 200] [--seed N] [--points p1,p2,...]

Each run forks a child from this process: it opens a real TradingSession, SqliteJournal and PaperBroker on a
fresh data dir, buys a random quantity with a held stop-loss (a bracket), then publishes a price through the
stop on the account's own feed, and kills itself with SIGKILL at the point's label. The parent restarts a
session on the same data dir, reconciles, publishes a price through the stop again, and checks with the
broker's own books that the stop went out exactly once: the position is flat (never short: sent twice; never
still long: missed), and at most one protective order of the bracket was filled.

The figures `exactly_once` must read 100.0 % (exit status 1 otherwise).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from bench import crash_child, exactly_once
from bench.exactly_once import Outcome, die, paper_config, settle
from core.adapters.paper.adapter import PaperBroker
from core.domain import (
    AccountId,
    ClientOrderId,
    Order,
    OrderOrigin,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    Side,
)
from core.domain.protection import Bracket, HeldChild, HeldState
from core.ports.journal import IntakeKey
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-HELD")
POINTS = (
    "held_entry_filled_before_arm",  # the entry's fill is journaled; its children's ARMED state is not
    "held_trigger_before_commit",  # the stop was touched; its child order and TRIGGERED state not yet journaled
    "held_trigger_after_commit",  # the child order and TRIGGERED state are journaled; the adapter not yet called
    "held_trigger_after_send",  # the broker took (and filled) the child order; TradeTerm never heard of it
)
STOP_BELOW = Decimal("1.00")


class Armed:
    point = ""
    muted = False



class DyingJournal(SqliteJournal):
    def record_held(self, children: Sequence[HeldChild]) -> None:
        if Armed.point == "held_entry_filled_before_arm" and any(c.state is HeldState.ARMED for c in children):
            die()
        super().record_held(children)

    def record_orders(self, orders: Sequence[Order], keys: Mapping[ClientOrderId, IntakeKey] | None = None,
                      held: Sequence[HeldChild] = ()) -> None:
        fired = any(c.state is HeldState.TRIGGERED for c in held)
        if fired and Armed.point == "held_trigger_before_commit":
            die()
        super().record_orders(orders, keys, held)
        if fired and Armed.point == "held_trigger_after_commit":
            die()


class DyingPaper(PaperBroker):
    async def submit(self, order: Order) -> None:
        if order.origin is OrderOrigin.PROTECTIVE and Armed.point == "held_trigger_after_send":
            Armed.muted = True  # the broker acts; the dying process never hears of it
            await super().submit(order)
            die()
        await super().submit(order)



def through_the_stop(session: TradingSession, stop: Decimal) -> None:
    session.bus.publish_quotes([Quote("AAPL", bid=stop - Decimal("0.01"), ask=stop, source=ACCOUNT)])



async def child_main(data_dir: Path, point: str, seed: int) -> None:
    rng = random.Random(seed)
    session, _broker = exactly_once.dying_session(data_dir, DyingJournal(data_dir / "journal.sqlite"), DyingPaper,
                                                ACCOUNT, lambda: Armed.muted)
    await session.connect(ACCOUNT)
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None and quote.ask is not None
    stop = quote.bid - STOP_BELOW
    Armed.point = point
    await session.submit_bracket(OrderRequest(ACCOUNT, "AAPL", Side.BUY, str(rng.randint(1, 50)), OrderType.LIMIT,
                                              quote.ask), Bracket(stop_loss=stop))
    through_the_stop(session, stop)
    await settle()


def run_child(data_dir: Path, point: str, seed: int) -> int:
    """Fork a child that acts and dies at point; return its wait status."""
    return crash_child.run_child(f"held crash child {point} seed {seed}", lambda: child_main(data_dir, point, seed))



async def restart_and_check(data_dir: Path) -> Outcome:
    bus = EventBus()
    journal = SqliteJournal(data_dir / "journal.sqlite")
    session = TradingSession(bus, journal)
    broker = PaperBroker(ACCOUNT, paper_config(data_dir), bus.publish)
    session.add_account(broker)
    try:
        session.restore()
        await session.connect(ACCOUNT)
        (held,) = session.protection.children(ACCOUNT)
        for _ in range(2):  # touched twice after the restart: still one stop
            through_the_stop(session, held.trigger)
            await settle()
        snapshot = await broker.snapshot()
        position = sum((p.quantity for p in snapshot.positions if p.symbol == "AAPL"), Decimal(0))
        filled = [o for o in session.oms.orders(ACCOUNT)
                  if o.origin is OrderOrigin.PROTECTIVE and o.status is OrderStatus.FILLED]
        if position != 0 or len(filled) != 1:
            return Outcome(False, f"position {position}, {len(filled)} filled protective order(s), "
                                  f"held {held.state.value}")
        return Outcome(True)
    finally:
        await session.close()
        journal.close()


def run(points: Sequence[str], runs: int, seed: int, root: Path) -> dict[str, object]:
    return exactly_once.run_forked(points, runs, seed, root, run_child,
                                   lambda data_dir, point: restart_and_check(data_dir))


def main(argv: list[str] | None = None) -> None:
    exactly_once.main("held_crash_points", __doc__, POINTS, run, argv)


if __name__ == "__main__":
    main()
