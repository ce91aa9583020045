"""Crash points of OCO and OTO pairs: the app killed (SIGKILL) at every step of placing and triggering a pair,
restarted, checked against the paper broker's own books; prints one JSON line of figures.

    python -m bench.linked_crash_points [--runs 200] [--seed N] [--points p1,p2,...]

Each run forks a child from this process (bench/crash_child.py): it opens a real TradingSession, SqliteJournal and
PaperBroker on a fresh data dir and dies with SIGKILL at the point's label while it
  OCO: buys a random quantity, then sends a sell limit above the bid and a sell stop below it as an OCO pair
       (TradingSession.submit_oco) and walks the paper market until one of them fills;
  OTO: buys a random quantity at the ask (it fills at once) with an OTO exit, a sell limit 3.00 above it
       (TradingSession.submit_oto).
The parent restarts a session on the same data dir, reconciles, walks the market again (OCO), and checks with the
broker's books that no leg went out twice, none was lost, and a filled leg's sibling is cancelled:
  OCO: at most one leg filled at the broker and the other is not working there (cancelled, or never sent); the
       position is flat when a leg filled; every order the broker has is in the journal with the broker's status.
  OTO: exactly one exit order at the broker (under any attempt's id), working, for the entry's quantity, and the
       journal has it working; the position is the entry's.

The figures `exactly_once_pct` must read 100.0 for every point (exit status 1 otherwise).
"""

from __future__ import annotations

import asyncio
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
    Fill,
    Order,
    OrderEvent,
    OrderOrigin,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from core.domain.protection import MAX_ATTEMPTS, HeldChild, HeldState, Oto, ProtectionLeg, child_order_id
from core.ports.journal import IntakeKey
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-LINK")
OCO_POINTS = (
    "oco_before_commit",  # the pair is being journaled: neither order is durable
    "oco_after_commit",  # both journaled together, neither sent
    "oco_between_sends",  # the first order is at the broker, the second not yet sent
    "oco_after_sends",  # both at the broker; TradeTerm never heard the second's answer
    "oco_fill_before_journal",  # the broker filled a leg; TradeTerm has not journaled the fill
    "oco_fill_before_cancel",  # the fill is journaled; the sibling's cancel not yet asked
    "oco_cancel_before_send",  # the sibling's cancel is journaled (PENDING_CANCEL); not yet sent
)
OTO_POINTS = (
    "oto_entry_after_send",  # the broker took (and filled) the entry; TradeTerm never heard of it
    "oto_entry_filled_before_arm",  # the entry's fill is journaled; its exit's ARMED state is not
    "oto_exit_before_commit",  # the exit order and its TRIGGERED state are being journaled
    "oto_exit_after_commit",  # the exit is journaled, the adapter not yet called
    "oto_exit_after_send",  # the broker took the exit; TradeTerm never heard of it
)
POINTS = OCO_POINTS + OTO_POINTS
AWAY = Decimal("0.08")
"""How far the OCO's legs sit from the bid: near enough that the paper market's walk reaches one."""
OTO_ABOVE = Decimal("3.00")


class Armed:
    point = ""
    muted = False
    pair: tuple[ClientOrderId, ClientOrderId] | None = None



def is_pair_leg(coid: ClientOrderId) -> bool:
    return Armed.pair is not None and coid in Armed.pair


class DyingJournal(SqliteJournal):
    def record_orders(self, orders: Sequence[Order], keys: Mapping[ClientOrderId, IntakeKey] | None = None,
                      held: Sequence[HeldChild] = ()) -> None:
        pair = len(orders) == 2  # an OCO pair is journaled together, in one transaction
        if pair:
            Armed.pair = (orders[0].client_order_id, orders[1].client_order_id)
        fired = any(c.state is HeldState.TRIGGERED for c in held)
        if (pair and Armed.point == "oco_before_commit") or (fired and Armed.point == "oto_exit_before_commit"):
            die()
        super().record_orders(orders, keys, held)
        if (pair and Armed.point == "oco_after_commit") or (fired and Armed.point == "oto_exit_after_commit"):
            die()

    def record_held(self, children: Sequence[HeldChild]) -> None:
        if Armed.point == "oto_entry_filled_before_arm" and any(c.state is HeldState.ARMED for c in children):
            die()
        super().record_held(children)

    def record_fill(self, fill: Fill, order: Order | None = None, event: OrderEvent | None = None) -> bool:
        leg = fill.client_order_id is not None and is_pair_leg(fill.client_order_id)
        if leg and Armed.point == "oco_fill_before_journal":
            die()
        recorded = super().record_fill(fill, order, event)
        if leg and Armed.point == "oco_fill_before_cancel":
            die()
        return recorded


class DyingPaper(PaperBroker):
    async def submit(self, order: Order) -> None:
        point = Armed.point
        second = Armed.pair is not None and order.client_order_id == Armed.pair[1]
        if second and point == "oco_between_sends":
            die()
        mute = (second and point == "oco_after_sends") or (
            order.origin is OrderOrigin.PROTECTIVE and point == "oto_exit_after_send") or (
            order.origin is OrderOrigin.MANUAL and order.side is Side.BUY and point == "oto_entry_after_send")
        if mute:
            Armed.muted = True  # the broker acts; the dying process never hears of it
            await super().submit(order)
            die()
        await super().submit(order)

    async def cancel(self, order: Order) -> None:
        if is_pair_leg(order.client_order_id) and Armed.point == "oco_cancel_before_send":
            die()
        await super().cancel(order)



def bid_ask(broker: PaperBroker) -> tuple[Decimal, Decimal]:
    quote = broker._market.quote("AAPL")
    assert quote.bid is not None and quote.ask is not None
    return quote.bid, quote.ask



async def walk_until_a_leg_fills(broker: PaperBroker, legs: Sequence[Order], ticks: int = 5000) -> bool:
    """Tick the paper market until one of legs has filled at the broker; return False if none did."""
    for _ in range(ticks):
        for leg in legs:
            found = broker._engine.orders.get(leg.client_order_id)
            if found is not None and found.filled_qty > 0:
                return True
        broker._tick()
        await asyncio.sleep(0)  # the tick's reports go out at the end of its turn of the loop
    return False


async def child_main(data_dir: Path, point: str, seed: int) -> None:
    rng = random.Random(seed)
    session, broker = exactly_once.dying_session(data_dir, DyingJournal(data_dir / "journal.sqlite"), DyingPaper,
                                                ACCOUNT, lambda: Armed.muted)
    await session.connect(ACCOUNT)
    quantity = str(rng.randint(1, 50))
    bid, ask = bid_ask(broker)
    if point in OTO_POINTS:
        Armed.point = point
        await session.submit_oto(OrderRequest(ACCOUNT, "AAPL", Side.BUY, quantity, OrderType.LIMIT, ask),
                                 Oto(ask + OTO_ABOVE))
        await settle()
        return
    await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, quantity, OrderType.MARKET))
    await settle()
    Armed.point = point
    first = OrderRequest(ACCOUNT, "AAPL", Side.SELL, quantity, OrderType.LIMIT, limit_price=bid + AWAY)
    second = OrderRequest(ACCOUNT, "AAPL", Side.SELL, quantity, OrderType.STOP, stop_price=bid - AWAY)
    legs = await session.submit_oco(first, second)
    await walk_until_a_leg_fills(broker, legs)
    await settle()


def run_child(data_dir: Path, point: str, seed: int) -> int:
    """Fork a child that acts and dies at point; return its wait status."""
    return crash_child.run_child(f"linked crash child {point} seed {seed}", lambda: child_main(data_dir, point, seed))



async def check_oco(session: TradingSession, broker: PaperBroker) -> Outcome:
    journaled = {o.client_order_id: o for o in session.oms.orders(ACCOUNT)}
    seconds = [o for o in journaled.values() if str(o.client_order_id).startswith("O")]
    if not seconds:  # died before the pair was durable: nothing of it may be at the broker
        extra = [c for c in broker._engine.orders if c not in journaled]
        return Outcome(not extra, f"at the broker but not journaled: {extra}" if extra else "")
    (second,) = seconds
    first = journaled[ClientOrderId("T" + str(second.client_order_id)[1:])]
    legs = (first, second)
    at_broker = [leg for leg in legs if leg.client_order_id in broker._engine.orders]
    if at_broker:
        await walk_until_a_leg_fills(broker, at_broker)
    for _ in range(300):  # the sibling's cancel goes out; then the market walks on: it must never fill
        broker._tick()
        await asyncio.sleep(0)
    await settle()
    paper = {leg.client_order_id: broker._engine.orders.get(leg.client_order_id) for leg in legs}
    filled = [c for c, p in paper.items() if p is not None and p.filled_qty > 0]
    working = [c for c, p in paper.items() if p is not None and p.status in (OrderStatus.ACCEPTED,
                                                                            OrderStatus.PARTIALLY_FILLED)]
    position = session.portfolio.position(ACCOUNT, "AAPL")
    held = Decimal(0) if position is None else position.quantity
    unknown = [c for c in broker._engine.orders if c not in journaled]
    differs = [c for c, p in paper.items() if p is not None and p.status is not journaled[c].status]
    problems = []
    if len(filled) > 1:
        problems.append("both legs filled")
    if filled and working:
        problems.append(f"{working} still working after its partner filled")
    if filled and held != 0:
        problems.append(f"position {held} after a leg filled")
    if unknown:
        problems.append(f"at the broker but not journaled: {unknown}")
    if differs:
        problems.append(f"journal and broker disagree on {differs}")
    for leg in legs:
        if paper[leg.client_order_id] is None and journaled[leg.client_order_id].is_working:
            problems.append(f"{leg.client_order_id} working in the journal, unknown to the broker")
    return Outcome(not problems, "; ".join(problems))


async def check_oto(session: TradingSession, broker: PaperBroker) -> Outcome:
    (entry,) = [o for o in session.oms.orders(ACCOUNT) if o.origin is OrderOrigin.MANUAL]
    ids = {child_order_id(entry.client_order_id, ProtectionLeg.THEN_LIMIT, n) for n in range(MAX_ATTEMPTS)}
    for _ in range(200):
        exits = [p for c, p in broker._engine.orders.items() if c in ids]
        if exits and all((o := session.oms.get(p.client_order_id)) is not None and o.is_working
                         and o.status is not OrderStatus.SUBMITTED for p in exits):
            break
        await asyncio.sleep(0.01)
    exits = [p for c, p in broker._engine.orders.items() if c in ids]
    position = session.portfolio.position(ACCOUNT, "AAPL")
    held = Decimal(0) if position is None else position.quantity
    problems = []
    if len(exits) != 1:
        problems.append(f"{len(exits)} exit orders at the broker")
    for paper in exits:
        journaled = session.oms.get(paper.client_order_id)
        if paper.status is not OrderStatus.ACCEPTED or paper.quantity != entry.filled_qty:
            problems.append(f"exit {paper.status.value} for {paper.quantity} (entry filled {entry.filled_qty})")
        if journaled is None or journaled.status is not OrderStatus.ACCEPTED:
            problems.append(f"the journal has the exit as {None if journaled is None else journaled.status.value}")
    if entry.status is not OrderStatus.FILLED or held != entry.filled_qty:
        problems.append(f"entry {entry.status.value}, position {held}")
    return Outcome(not problems, "; ".join(problems))


async def restart_and_check(data_dir: Path, point: str) -> Outcome:
    bus = EventBus()
    journal = SqliteJournal(data_dir / "journal.sqlite")
    session = TradingSession(bus, journal)
    broker = PaperBroker(ACCOUNT, paper_config(data_dir), bus.publish)
    session.add_account(broker)
    try:
        session.restore()
        await session.connect(ACCOUNT)
        await settle()
        return await (check_oto(session, broker) if point in OTO_POINTS else check_oco(session, broker))
    finally:
        await session.close()
        journal.close()


def run(points: Sequence[str], runs: int, seed: int, root: Path) -> dict[str, object]:
    return exactly_once.run_forked(points, runs, seed, root, run_child,
                                   lambda data_dir, point: restart_and_check(data_dir, point))


def main(argv: list[str] | None = None) -> None:
    exactly_once.main("linked_crash_points", __doc__, POINTS, run, argv)


if __name__ == "__main__":
    main()
