"""Crash points: the app killed (SIGKILL) at each labelled point of the order path, restarted and reconciled;
prints one JSON line of figures.

    python -m bench.crash_points [--runs 200] [--seed N] [--points p1,p2,...]

Each run forks one child from this already-loaded process (so a run costs milliseconds, not an
interpreter start): the child opens a real TradingSession, SqliteJournal and PaperBroker on a fresh data
dir, places a random number of other orders, then performs the point's action and kills itself with
SIGKILL at the point's label. The parent then reads the paper broker's books as the dead process left
them, restarts a session on the same data dir, reconciles, and checks:

- resolved: no order is left in flight (UNKNOWN, SUBMITTED, PENDING_CANCEL, PENDING_REPLACE); every order
  the broker works is working here with the broker's quantity and limit, and every order working here
  is worked by the broker; every order the broker ended is ended here; positions agree;
- duplicates: an intent the broker holds more than once;
- blind_resubmits: an order the broker holds after the restart that it did not hold at the crash
  (the restart sent something nobody asked for).

The strategy API's intake points run the API's own crash child (tests/adapters/api_crash_child.py) in
the forked process: this runner plays the strategy, posts one intent (its answer is lost: TradeTerm
died), restarts TradeTerm on the same data dir and posts the same request again (same idempotency
key), as TradeTermClient's caller would. Resolved there: the retry returns the one order the journal
holds, sent to the broker once if auto-approved (and past the commit), else waiting for approval.

The three must read 100.0 %, 0 and 0 (exit status 1 otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import crash_child, exactly_once
from bench.common import emit, machine, peak_rss_mb
from bench.exactly_once import die, killed_by_sigkill, paper_config
from core.adapters.paper.adapter import PaperBroker
from core.domain import (
    AccountId,
    ClientOrderId,
    Order,
    OrderOrigin,
    OrderRequest,
    OrderStatus,
    OrderType,
    Price,
    Quantity,
    Side,
    StrategyId,
)
from core.domain.protection import HeldChild
from core.ports.broker import BrokerOrderState
from core.ports.journal import IntakeKey
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from core.strategy_client import ApiUnavailable, TradeTermClient
from tests.adapters.api_crash_child import IntakePoint
from tests.adapters.api_crash_child import main as api_child_main
from tests.adapters.strategy_api_world import TOKEN, start_api, stop_api, strategy_config
from tests.unit.approvals_world import ACCOUNT as API_ACCOUNT

ACCOUNT = AccountId("PAPER-CRASH")
POINTS = (
    "submit_before_commit",  # the intent is about to be journaled: nothing durable, nothing sent
    "submit_after_commit",  # the intent's commit returned; the adapter not yet called
    "submit_before_send",  # the adapter's submit is entered; nothing reached the broker
    "submit_after_send",  # the broker has the order; its answers died with the process
    "approval_before_send",  # a strategy order's approval is journaled (SUBMITTED); not sent
    "approval_after_send",  # the approved order reached the broker; its answers lost
    "modify_before_send",  # a change is journaled (PENDING_REPLACE); not sent
    "modify_after_send",  # the broker applied the change; its answer lost
    "cancel_before_send",  # a cancel is journaled (PENDING_CANCEL); not sent
    "cancel_after_send",  # the broker canceled; its answer lost
    "flatten_before_send",  # Flatten's closing order is journaled; not sent
    "flatten_after_send",  # Flatten's closing order reached the broker; its answers lost
)
API_INTAKE_POINTS: dict[str, IntakePoint] = {
    "api_intake_before_key": IntakePoint.BEFORE_COMMIT,  # checked; the order and its key not yet committed
    "api_intake_after_key": IntakePoint.AFTER_COMMIT,  # the order and its key committed together
    "api_intake_after_send": IntakePoint.AFTER_SEND,  # auto-approved: the order reached the broker
    "api_intake_before_answer": IntakePoint.BEFORE_ANSWER,  # all done; the HTTP answer not written
}
"""The strategy API's intake points (the key is committed in the order's own transaction)."""
ALL_POINTS = (*POINTS, *API_INTAKE_POINTS)
IN_FLIGHT = frozenset({OrderStatus.INITIALIZED, OrderStatus.UNKNOWN, OrderStatus.SUBMITTED,
                       OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE})
ENDED = frozenset({OrderStatus.CANCELED, OrderStatus.FILLED, OrderStatus.REJECTED, OrderStatus.EXPIRED})



# --- the child: act, and die at the label --------------------------------------------------------


class Armed:
    """Where the child dies: `point` once `on` (the setup orders before the point's action pass freely)."""

    point = ""
    on = False
    muted = False

    @classmethod
    def at(cls, label: str) -> bool:
        return cls.on and cls.point == label



class DyingJournal(SqliteJournal):
    def record_orders(self, orders: Sequence[Order], keys: Mapping[ClientOrderId, IntakeKey] | None = None,
                      held: Sequence[HeldChild] = ()) -> None:
        if Armed.at("submit_before_commit"):
            die()
        super().record_orders(orders, keys, held)
        if Armed.at("submit_after_commit"):
            die()


class DyingPaper(PaperBroker):
    """The real paper broker in a process that dies as an order, change or cancel reaches it (or just after)."""

    async def _around(self, before: str, after: str, send: Awaitable[None]) -> None:
        if Armed.at(before):
            die()
        if Armed.at(after):
            Armed.muted = True  # the broker acts; the dying process never hears of it
            await send
            die()
        await send

    async def submit(self, order: Order) -> None:
        kind = {OrderOrigin.STRATEGY: "approval", OrderOrigin.FLATTEN: "flatten"}.get(order.origin, "submit")
        await self._around(f"{kind}_before_send", f"{kind}_after_send", super().submit(order))

    async def modify(self, order: Order, quantity: Quantity, limit_price: Price | None,
                     stop_price: Price | None) -> None:
        await self._around("modify_before_send", "modify_after_send",
                           super().modify(order, quantity, limit_price, stop_price))

    async def cancel(self, order: Order) -> None:
        await self._around("cancel_before_send", "cancel_after_send", super().cancel(order))


async def child_main(data_dir: Path, point: str, seed: int) -> None:
    rng = random.Random(seed)
    session, _broker = exactly_once.dying_session(data_dir, DyingJournal(data_dir / "journal.sqlite"), DyingPaper,
                                                ACCOUNT, lambda: Armed.muted)
    await session.connect(ACCOUNT)
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None
    bid, tick = quote.bid, Decimal("0.01")

    def resting(qty: int) -> OrderRequest:  # a buy under the bid, inside the collar
        return OrderRequest(ACCOUNT, "AAPL", Side.BUY, str(qty), OrderType.LIMIT,
                            str(bid - tick * rng.randint(50, 300)))

    for _ in range(rng.randint(0, 3)):  # other orders already on the books
        await session.submit(resting(rng.randint(1, 50)))
    qty = rng.randint(1, 50)
    Armed.point = point
    if point.startswith("flatten"):
        await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, str(qty), OrderType.MARKET))
        Armed.on = True
        await session.flatten(ACCOUNT, "AAPL")
    elif point.startswith("approval"):
        request = resting(qty)
        pending = await session.submit(OrderRequest(
            request.account_id, request.symbol, request.side, request.quantity, request.order_type,
            request.limit_price, origin=OrderOrigin.STRATEGY, strategy_id=StrategyId("bench")))
        Armed.on = True
        await session.approve(pending.client_order_id)
    elif point.startswith(("modify", "cancel")):
        order = await session.submit(resting(qty))
        Armed.on = True
        if point.startswith("modify"):
            assert order.limit_price is not None
            await session.modify(order.client_order_id, str(qty + rng.randint(1, 20)), order.limit_price.value - tick)
        else:
            await session.cancel(order.client_order_id)
    else:
        Armed.on = True
        request = resting(qty) if rng.random() < 0.5 else OrderRequest(ACCOUNT, "AAPL", Side.BUY, str(qty),
                                                                         OrderType.MARKET)
        await session.submit(request)


def run_child(data_dir: Path, point: str, seed: int) -> int:
    """Fork a child that acts and dies at point; return its wait status."""
    return crash_child.run_child(f"crash child {point} seed {seed}", lambda: child_main(data_dir, point, seed))


# --- the parent: restart, reconcile, check -------------------------------------------------------


@dataclass
class Outcome:
    resolved: bool
    duplicates: int
    blind_resubmits: int
    problem: str = ""


async def broker_orders(data_dir: Path, account: AccountId = ACCOUNT) -> list[BrokerOrderState]:
    """Return the orders the paper broker holds on disk, as the dead process left them."""
    reader = PaperBroker(account, paper_config(data_dir), lambda event: None)
    await reader.connect()
    try:
        return list((await reader.snapshot()).orders)
    finally:
        await reader.disconnect()


async def restart_and_check(data_dir: Path) -> Outcome:
    at_crash = {o.client_order_id for o in await broker_orders(data_dir)}
    bus = EventBus()
    journal = SqliteJournal(data_dir / "journal.sqlite")
    session = TradingSession(bus, journal)
    broker = PaperBroker(ACCOUNT, paper_config(data_dir), bus.publish)
    session.add_account(broker)
    try:
        session.restore()
        report = await session.connect(ACCOUNT)
        remote = list((await broker.snapshot()).orders)
        ours = {o.client_order_id: o for o in session.oms.orders()}
        held = Counter(o.client_order_id for o in remote)
        duplicates = sum(n - 1 for n in held.values() if n > 1)
        blind = sum(1 for o in remote if o.client_order_id not in at_crash)
        problems = [f"{o.client_order_id} left {o.status.value}" for o in ours.values() if o.status in IN_FLIGHT]
        if not report.ok:
            problems.append("; ".join(report.differences))
        for theirs in remote:
            mine = ours.get(theirs.client_order_id) if theirs.client_order_id is not None else None
            problems += _disagreement(mine, theirs)
        worked = {o.client_order_id for o in remote if o.status.is_working}
        problems += [f"{c} working here, not at the broker" for c, o in ours.items()
                     if o.is_working and c not in worked]
        return Outcome(not problems, duplicates, blind, "; ".join(problems)[:500])
    finally:
        await session.close()
        journal.close()


def _disagreement(mine: Order | None, theirs: BrokerOrderState) -> list[str]:
    coid = theirs.client_order_id
    if mine is None:
        return [f"the broker holds {coid}, TradeTerm does not"]
    if theirs.status.is_working:
        if not mine.is_working:
            return [f"{coid}: working at the broker, {mine.status.value} here"]
        if mine.quantity.value != theirs.quantity or (mine.limit_price is not None and theirs.limit_price is not None
                                                       and mine.limit_price.value != theirs.limit_price):
            return [f"{coid}: {mine.quantity} @ {mine.limit_price} here, {theirs.quantity} @ {theirs.limit_price} "
                    "at the broker"]
    elif theirs.status in ENDED and mine.status is not theirs.status:
        return [f"{coid}: {theirs.status.value} at the broker, {mine.status.value} here"]
    return []


# --- the strategy API's intake -------------------------------------------------------------------

API_KEY = "intent-1"


def post(port: int, ask: str, signal_time: datetime) -> dict[str, Any]:
    """Submit the strategy's one intent as its code would (the client retries a lost answer once by itself)."""
    client = TradeTermClient(f"http://127.0.0.1:{port}", TOKEN, strategy="momo", account=str(API_ACCOUNT))
    return client.submit("AAPL", "BUY", "10", "LMT", limit_price=ask, signal_time=signal_time,
                         idempotency_key=API_KEY)


def run_api_child(data_dir: Path, point: IntakePoint, auto: bool) -> tuple[int, str, datetime]:
    """Fork the API's crash child, post the intent (answer lost), return (wait status, limit, signal time)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: serves the API until its point kills it
        os.close(read_end)
        os.dup2(write_end, 1)
        crash_child.live_and_die(f"api crash child {point.value}", lambda: api_child_main(data_dir, point, auto))
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as ready:
        line = ready.readline()
        signal_time = datetime.now(UTC)
        started = json.loads(line) if line else None
        if started is not None:
            try:
                post(started["port"], started["ask"], signal_time)
            except ApiUnavailable:
                pass  # TradeTerm died before answering, as planned
            else:
                os.kill(pid, signal.SIGTERM)  # answered: the point was never reached
    _, status = os.waitpid(pid, 0)
    return status, started["ask"] if started else "", signal_time


async def retry_and_check(data_dir: Path, point: IntakePoint, auto: bool, ask: str, signal_time: datetime) -> Outcome:
    at_crash = {o.client_order_id for o in await broker_orders(data_dir, API_ACCOUNT)}
    api = await start_api(data_dir, restore=True, configs=[strategy_config(auto)])
    try:
        before_retry = list((await api.world.broker.snapshot()).orders)
        blind = sum(1 for o in before_retry if o.client_order_id not in at_crash)
        answer = await asyncio.to_thread(post, api.port, ask, signal_time)
        orders = api.world.journal.load().orders
        sent = (await api.world.broker.snapshot()).orders
        duplicates = max(0, len(orders) - 1) + max(0, len(sent) - 1)
        problems: list[str] = []
        if len(orders) != 1 or answer.get("client_order_id") != orders[0].client_order_id:
            problems.append(f"the retry's answer {answer.get('client_order_id')} is not the one journaled order "
                            f"of {[str(o.client_order_id) for o in orders]}")
        else:
            shown = api.world.session.oms.get(orders[0].client_order_id)
            waits = not auto or point is IntakePoint.AFTER_COMMIT  # journaled, unsent: a person approves it
            if shown is None or (shown.status is OrderStatus.PENDING_APPROVAL) is not waits:
                problems.append(f"the order is {shown.status.value if shown else 'gone'}")
            if len(sent) != (0 if waits else 1):
                problems.append(f"the broker holds {len(sent)} order(s)")
        return Outcome(not problems, duplicates, blind, "; ".join(problems)[:500])
    finally:
        await stop_api(api)


def run_api_point(name: str, data_dir: Path, rng: random.Random) -> tuple[int, Outcome | None]:
    """Run one intake crash: auto-approve as the point needs (random where either applies)."""
    point = API_INTAKE_POINTS[name]
    auto = True if point is IntakePoint.AFTER_SEND else rng.random() < 0.5
    status, ask, signal_time = run_api_child(data_dir, point, auto)
    if not killed_by_sigkill(status):
        return status, None
    return status, asyncio.run(retry_and_check(data_dir, point, auto, ask, signal_time))


# --- the runner ----------------------------------------------------------------------------------


@dataclass
class PointFigures:
    runs: int = 0
    resolved: int = 0
    duplicates: int = 0
    blind_resubmits: int = 0
    not_killed: int = 0


def run(points: Sequence[str], runs: int, seed: int, root: Path) -> dict[str, object]:
    rng = random.Random(seed)
    figures: dict[str, PointFigures] = {}
    first_problems: list[str] = []
    for point in points:
        done = figures[point] = PointFigures()
        for index in range(runs):
            run_seed = rng.randrange(1 << 30)
            data_dir = root / f"{point}-{index}"
            data_dir.mkdir()
            done.runs += 1
            if point in API_INTAKE_POINTS:
                status, api_outcome = run_api_point(point, data_dir, random.Random(run_seed))
            else:
                status = run_child(data_dir, point, run_seed)
                api_outcome = None
            if not killed_by_sigkill(status):
                done.not_killed += 1
                first_problems.append(f"{point} seed {run_seed}: the child was never at its point ({status})")
                continue
            outcome = api_outcome if api_outcome is not None else asyncio.run(restart_and_check(data_dir))
            done.resolved += outcome.resolved
            done.duplicates += outcome.duplicates
            done.blind_resubmits += outcome.blind_resubmits
            if outcome.problem and len(first_problems) < 10:
                first_problems.append(f"{point} seed {run_seed}: {outcome.problem}")
    total = sum(f.runs for f in figures.values())
    return {
        "points": {point: asdict(f) for point, f in figures.items()},
        "resolved_pct": round(100.0 * sum(f.resolved for f in figures.values()) / total, 2) if total else 0.0,
        "duplicates": sum(f.duplicates for f in figures.values()),
        "blind_resubmits": sum(f.blind_resubmits for f in figures.values()),
        "runs": total,
        "problems": first_problems,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crash_points", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per point (default 200)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, printed)")
    parser.add_argument("--points", default=",".join(ALL_POINTS), help="comma-separated points (default: all)")
    args = parser.parse_args(argv)
    points = [p for p in args.points.split(",") if p]
    unknown = sorted(set(points) - set(ALL_POINTS))
    if unknown:
        parser.error(f"unknown point(s) {', '.join(unknown)}; choose from {', '.join(ALL_POINTS)}")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    ram = Path("/dev/shm")  # a kill -9 loses no page cache: a RAM disk is as faithful, and faster
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tradeterm-crash-", dir=ram if ram.is_dir() else None) as root:
        record = run(points, args.runs, seed, Path(root))
    emit({"bench": "crash_points", "seed": seed, "runs_per_point": args.runs, **record,
          "seconds": round(time.perf_counter() - start, 1), "peak_rss_mb": peak_rss_mb(), **machine()})
    ok = record["resolved_pct"] == 100.0 and record["duplicates"] == 0 and record["blind_resubmits"] == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
