"""Click to wire: from the order ticket's Send to the bytes the TWS simulator reads, and to the broker's ack.

`python -m bench.click_to_wire` opens the real window (create_main_window) with two accounts: the
paper account and an IB account connected to the TWS simulator, which runs in its own process
(`--sim`) and stamps each placeOrder message with the monotonic clock when its reader has the
bytes (CLOCK_MONOTONIC is shared by processes, so the stamps compare with ours). Each order goes
through the ticket (a click on orderTicket.sendButton), validation, the risk engine with realistic
limits switched on, the durable journal commit (SQLite WAL, synchronous=FULL) and the adapter;
orders are sent one at a time, the next after the previous one's acknowledgement. TWS accepts at
most 50 API messages a second (ib_async throttles at 45 and queues the rest, which showed as a 600
ms wait every 45th order), so clicks to IB come at most IB_CLICKS_PER_S a second, as fast as IB
allows. The IB clicks run twice: with the simulator at normal priority, then at real-time priority
(see _sim_realtime).

Figures: click -> wire p50/p99 (IB); click -> socket p50/p99 (IB: until ib_async has handed the
placeOrder bytes to the kernel; the rest of click -> wire is the simulator process being woken);
click -> ack p50/p99 (IB and paper); and orders per second sustained through risk + journal +
paper, one at a time (each session.submit waits for the previous one's acknowledgement) and
pipelined, IN_FLIGHT orders on their way at once as a strategy or a basket sends them; those share
journal commits and paper-log flushes (core/services/group_commit.py, paper/report_queue.py); and
the time a cancel-all takes to cancel every order the runs left resting on the paper account, with the
longest the window froze meanwhile (stall_max_ms, wall) and the most CPU the GUI thread spent in one
stretch without yielding to the event loop (gui_busy_max_ms: the wall stall less the host's steal and IO
waits).

The durable journal commit (one SQLite transaction at synchronous=FULL: a WAL append and its flush) is
the floor of a click. Each click run reports it (journal_commit_p50/p99_ms, timed around
SqliteJournal.record_orders, per order), beside a bare append + fdatasync of a file in the same data
directory (bare_fdatasync_p50/p99_ms, FSYNC_PROBES of them, half just before and half just after the
run; for the paced IB clicks also bare_fdatasync_paced_p50/p99_ms, the same flush at the clicks' pace,
see paced_fdatasync), and the rest of the path without it: click_to_wire_minus_commit (IB) and
click_to_ack_minus_commit (paper), order by order. For the IB clicks also by the GUI thread's CPU
(time.thread_time at the click and when the bytes are handed over, less the commit's own CPU):
click_to_socket_cpu_minus_commit_p50/p99_ms, the path's own work without the waits a loaded machine adds, and
the commit's own CPU (journal_commit_cpu_p50/p99_ms: SQLite's work; the rest of the commit is the wait for the flush).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import stamping_sim
from bench.common import cpu_seconds, emit, host_speed_ms, machine, ms, now, peak_rss_mb, percentile

ORDERS = 1_000
IB_CLICKS_PER_S = 30
"""Under TWS's pacing limit of 50 messages a second (ib_async's throttle: 45, shared with market-data requests)."""
FSYNC_PROBES = 200
"""Bare append + fdatasync probes per click run (half before it, half after): the disk's own flush time."""
PACED_FSYNC_PROBES = 100
"""Bare flushes at the clicks' pace after each paced click run (paced_fdatasync): a paced click's floor."""
THROUGHPUT_ORDERS = 2_000
IN_FLIGHT = 64
"""Orders on their way at once in the pipelined sustained run (a strategy or basket that does not wait)."""
_COID = re.compile(r"^T\d{12}[0-9A-Z]{7}$")
RISK = {"global": {
    "max_order_qty": "10000", "max_order_notional": "1000000", "collar_pct": "20", "max_position": "1000000",
    "max_gross_exposure": "1000000000", "duplicate_window_s": "0.5", "max_orders_per_second": "100000",
    "max_orders_per_minute": "1000000", "max_working_orders": "100000",
}}


# --- the simulator side (its own process) --------------------------------------------------------

def _stamp_place(msg_id: int, f: list[str], arrived: float) -> str | None:
    """Stamp every placeOrder (msg 3) by its order reference (our client order id)."""
    if msg_id != 3:
        return None
    coid = next((field for field in f if _COID.match(field)), "?")
    return f"{coid} {arrived!r}"


def run_sim(stamp_path: str) -> None:
    """Serve a TWS simulator whose reader stamps every placeOrder; print its port; run until killed."""
    stamping_sim.serve(stamp_path, _stamp_place)


class SocketStamps:
    """Note when ib_async hands each placeOrder to the kernel (our side of the wire), by order reference."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.cpu_at: dict[str, float] = {}
        """The GUI thread's CPU clock (time.thread_time) when the bytes were handed over, by order reference."""

    def install(self) -> None:
        from ib_async.connection import Connection

        send = Connection.sendMsg
        at, cpu_at = self.at, self.cpu_at
        pattern = re.compile(rb"\x00(T\d{12}[0-9A-Z]{7})\x00")

        def stamped(connection: Any, msg: bytes) -> None:
            send(connection, msg)
            done, cpu = now(), time.thread_time()
            found = pattern.search(msg)
            if found:
                coid = found.group(1).decode("ascii")
                at[coid], cpu_at[coid] = done, cpu

        Connection.sendMsg = stamped  # type: ignore[method-assign]


class CommitTimes:
    """Time every durable journal commit (SqliteJournal.record_orders: one transaction, one flush), by order."""

    def __init__(self) -> None:
        self.of: dict[str, float] = {}
        self.cpu_of: dict[str, float] = {}
        """The GUI thread's CPU in each commit (the flush's wait is not CPU), by order."""

    def install(self) -> None:
        from core.storage.journal import SqliteJournal

        record = SqliteJournal.record_orders
        of, cpu_of = self.of, self.cpu_of

        def timed(journal: Any, orders: Any, *args: Any, **kwargs: Any) -> None:
            start, cpu = now(), time.thread_time()
            record(journal, orders, *args, **kwargs)
            took, cpu = now() - start, time.thread_time() - cpu
            for order in orders:
                of[str(order.client_order_id)] = took
                cpu_of[str(order.client_order_id)] = cpu

        SqliteJournal.record_orders = timed  # type: ignore[method-assign]


def bare_fdatasync(directory: Path, count: int) -> list[float]:
    """Append a record of an order's size to a file and fdatasync it, count times; return each one's seconds."""
    path = directory / "fdatasync-probe.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    record = b"x" * 600
    times = []
    try:
        for _ in range(count):
            start = now()
            os.write(fd, record)
            os.fdatasync(fd)
            times.append(now() - start)
    finally:
        os.close(fd)
        path.unlink()
    return times


async def paced_fdatasync(directory: Path, count: int, per_s: int) -> list[float]:
    """bare_fdatasync at the clicks' pace (per_s a second, the loop free in between): the floor of a paced click.

    On this VM a flush after tens of milliseconds of idleness costs about three times one issued back to back
    (0.6 against 0.2 ms at p50: the hypervisor's idle disk path wakes first), and a trader's click always
    comes after idleness. The back-to-back figure is the disk's best; this one is what a click can hope for.
    """
    times: list[float] = []
    for _ in range(count):
        await asyncio.sleep(1 / per_s)
        times += bare_fdatasync(directory, 1)
    return times


def _commit_figures(coids: list[str], commits: CommitTimes, bare: list[float], path: dict[str, float],
                    name: str, paced: list[float] | None = None) -> dict[str, Any]:
    """The commit of each order, the bare flush (and the paced one), and `name`_minus_commit: the path's own
    time, order by order."""
    took = [commits.of[c] for c in coids if c in commits.of]
    rest = [path[c] - commits.of[c] for c in coids if c in commits.of and c in path]
    figures = {"journal_commit_p50_ms": ms(percentile(took, 0.5)),
               "journal_commit_p99_ms": ms(percentile(took, 0.99)),
               "bare_fdatasync_p50_ms": ms(percentile(bare, 0.5)), "bare_fdatasync_p99_ms": ms(percentile(bare, 0.99)),
               f"{name}_minus_commit_p50_ms": ms(percentile(rest, 0.5)),
               f"{name}_minus_commit_p99_ms": ms(percentile(rest, 0.99))}
    if paced:
        figures.update({"bare_fdatasync_paced_p50_ms": ms(percentile(paced, 0.5)),
                        "bare_fdatasync_paced_p99_ms": ms(percentile(paced, 0.99))})
    return figures


def _sim_realtime(pid: int) -> str | None:
    """Give the simulator process real-time priority (SCHED_FIFO); return why not, or None.

    On this 2-vCPU VM a normal-priority process woken by a message waits behind the window's own
    work after the click (the repaint) for up to 3 ms at p99: a socketpair between two bare Python
    processes shows the same. At real-time priority the simulator reads the bytes when they arrive,
    so its stamp is the wire and not the guest scheduler; both runs are reported.
    """
    try:
        os.sched_setscheduler(pid, os.SCHED_FIFO, os.sched_param(10))
    except (OSError, AttributeError) as exc:
        return f"real-time priority refused: {exc}"
    return None


def _read_stamps(path: Path) -> dict[str, float]:
    stamps: dict[str, float] = {}
    for line in path.read_text(encoding="ascii").splitlines():
        coid, _, stamp = line.partition(" ")
        stamps[coid] = float(stamp)
    return stamps


# --- the TradeTerm side ------------------------------------------------------------------------------

def _write_settings(data_dir: Path, port: int) -> None:
    from core.storage.settings import AccountSettings, SettingsStore

    store = SettingsStore(data_dir / "settings.json")
    store.set_accounts([
        AccountSettings("PAPER-1", "paper", {"state_path": str(data_dir / "paper" / "PAPER-1.json"),
                                              "tick_interval_s": 0.25}),
        AccountSettings("IB-7", "ib", {"host": "127.0.0.1", "port": port, "client_id": 7, "symbols": ["AAPL"],
                                        "connect_timeout_s": 5.0, "order_timeout_s": 5.0}),
    ])
    store.set_risk(RISK)
    store.set_confirm_orders(False)


async def _until(predicate: Any, what: str, timeout: float = 20.0) -> None:
    deadline = now() + timeout
    while not predicate():
        if now() > deadline:
            raise TimeoutError(f"click_to_wire: gave up waiting for {what}")
        await asyncio.sleep(0.01)


class AckWatcher:
    """Pair each click with the order it created and note when the broker acknowledged it."""

    def __init__(self) -> None:
        self.clicked_at = 0.0
        self.clicked_cpu = 0.0
        """The GUI thread's CPU clock at the click (time.thread_time)."""
        self.clicks: dict[str, float] = {}
        self.click_cpu: dict[str, float] = {}
        self.acks: dict[str, float] = {}
        self.refused: list[str] = []
        self.acked = asyncio.Event()

    def on_order_updated(self, event: Any) -> None:
        from core.domain import OrderStatus

        order = event.order
        coid = str(order.client_order_id)
        if coid not in self.clicks:
            self.clicks[coid] = self.clicked_at
            self.click_cpu[coid] = self.clicked_cpu
        status = order.status
        if coid not in self.acks and status not in (OrderStatus.INITIALIZED, OrderStatus.SUBMITTED):
            self.acks[coid] = now()
            if status is not OrderStatus.ACCEPTED:
                self.refused.append(f"{coid}: {status.value} {order.reason}")
            self.acked.set()


def _resting_price(bid: Decimal, k: int) -> Decimal:
    """A buy limit about 10% under the market, so it rests; (price, quantity) repeats only every 4,500
    orders, so the duplicate-order check (0.5 s window) never refuses one, even at 9,000 orders a second."""
    return (bid * Decimal("0.9")).quantize(Decimal("0.01")) - Decimal("0.01") * (k % 500)


async def _click_orders(
    window: Any, watcher: AckWatcher, account: str, count: int, bid: Decimal, first: int, per_s: float | None = None
) -> list[str]:
    """Click count orders (numbered from first) on account's ticket, each after the previous one's ack."""
    from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton

    from core.domain import Side

    ticket = window.ticket
    ticket.findChild(QComboBox, "orderTicket.accountCombo").setCurrentText(account)
    send = ticket.findChild(QPushButton, "orderTicket.sendButton")
    quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
    sent: list[str] = []
    next_click = now()
    for k in range(first, first + count):  # runs after one another must not repeat an order
        if per_s is not None:
            while now() < next_click:
                await asyncio.sleep(max(0.0, next_click - now()))
            next_click = now() + 1 / per_s
        price = _resting_price(bid, k)
        ticket.prefill("AAPL", Side.BUY, quantity=Decimal(1 + k % 9), price=price)
        quantity.setText(str(1 + k % 9))
        before = len(watcher.acks)
        watcher.acked.clear()
        watcher.clicked_at, watcher.clicked_cpu = now(), time.thread_time()
        send.click()
        while len(watcher.acks) == before:
            await asyncio.wait_for(watcher.acked.wait(), 10)
            watcher.acked.clear()
        sent.append(next(reversed(watcher.acks)))
    return sent


async def _throughput(
    session: Any, count: int, bid: Decimal, in_flight: int, first: int = 0
) -> tuple[int, float, float]:
    """Submit count resting orders to the paper account, up to in_flight at once; return (accepted, s, CPU s).

    in_flight=1 is one order at a time (each waits for the previous one's acknowledgement); more is a
    strategy or a basket sending without waiting, as the strategy API's concurrent requests do.
    """
    from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side

    account = AccountId("PAPER-1")
    numbers = iter(range(first, first + count))  # runs after one another must not repeat an order
    accepted = 0

    async def sender() -> None:
        nonlocal accepted
        for k in numbers:  # shared: each order is sent by exactly one sender
            price = _resting_price(bid, k)
            order = await session.submit(
                OrderRequest(account, "MSFT", Side.BUY, Decimal(1 + k % 9), OrderType.LIMIT, price))
            accepted += order.status is OrderStatus.ACCEPTED

    cpu0 = cpu_seconds()
    start = now()
    await asyncio.gather(*(sender() for _ in range(in_flight)))
    return accepted, now() - start, cpu_seconds() - cpu0


async def _cancel_all(session: Any, account: Any) -> dict[str, Any]:
    """Cancel every order resting on the paper account (all those the runs above left); time it to the last."""
    from bench.qtprobe import Heartbeat

    working = len(session.oms.working(account))
    heartbeat = Heartbeat()
    heartbeat.start()
    start = now()
    asked = await session.cancel_all(account)
    elapsed = now() - start
    heartbeat.stop()
    left = len(session.oms.working(account))
    return {"bench": "click_to_wire", "variant": "cancel_all->paper", "working": working, "asked": asked,
            "still_working": left, "all_canceled_ms": ms(elapsed),
            "stall_max_ms": ms(max(heartbeat.gaps, default=0.0)),  # how long the window froze at most (wall)
            "gui_busy_max_ms": ms(max(heartbeat.cpu_gaps, default=0.0))}  # of it, the GUI thread's own CPU


RUNS = ("ib", "paper", "sustained")
"""What --only may choose: the IB clicks (normal and real-time simulator), the paper clicks, the sustained runs
with the cancel-all of what they leave."""


def run(orders: int, throughput_orders: int, hide: tuple[str, ...] = (), only: str | None = None
        ) -> list[dict[str, Any]]:
    """Run both measurements in this process against a simulator process; return the figure sets.

    hide: docks (objectNames, e.g. dock.chart) hidden as the window opens, to compare with a build that
    had no such view (what the views cost apart from the order path).
    only: one of RUNS, the others skipped (None: all).
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QDockWidget

    from core.domain import AccountId, OrderUpdated, TradingState
    from gui.app import create_main_window, freeze_startup_heap
    from gui.event_loop import EventLoop

    app = QApplication.instance() or QApplication(["click_to_wire"])
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    work = tempfile.TemporaryDirectory(prefix="click-to-wire-")
    data_dir = Path(work.name)
    stamp_path = data_dir / "stamps.txt"
    stamp_path.touch()
    sim, port = stamping_sim.start("bench.click_to_wire", stamp_path)
    records: list[dict[str, Any]] = []

    async def scenario() -> None:
        _write_settings(data_dir, port)
        window = create_main_window(data_dir, "paper")
        window.resize(1500, 900)
        window.show()
        for name in hide:
            dock = window.findChild(QDockWidget, name)
            if dock is None:
                raise SystemExit(f"--hide {name}: the window has no such dock")
            dock.hide()  # not close(): the window's docks are not closable, and a refused close leaves them shown
        session = window.session
        watcher = AckWatcher()
        socket = SocketStamps()
        socket.install()
        commits = CommitTimes()
        commits.install()
        unwatch = session.bus.subscribe(OrderUpdated, watcher.on_order_updated)
        try:
            for account in ("PAPER-1", "IB-7"):
                await _until(lambda a=account: session.account(AccountId(a)).trading is TradingState.ACTIVE,
                             f"{account} to trade")
            await _until(lambda: session.quotes.latest("AAPL") is not None
                         and session.quotes.latest("MSFT") is not None, "quotes")
            freeze_startup_heap()  # as main() does once the window is up
            # One base price for every click run: with their own numbers, no order repeats another
            # (a run that took the then-current bid could repeat the last run's first orders within
            # the duplicate window, when the bid had not moved: risk refused them).
            bid = session.quotes.latest("AAPL").bid
            for run, (account, figure, sim_priority) in enumerate((
                    ("IB-7", "wire", "normal"), ("IB-7", "wire", "realtime"), ("PAPER-1", "ack", None))):
                if only is not None and only != ("ib" if figure == "wire" else "paper"):
                    continue
                if sim_priority == "realtime":
                    refusal = _sim_realtime(sim.pid)
                    if refusal is not None:
                        records.append({"bench": "click_to_wire", "variant": "ticket->ib", "sim_priority": "realtime",
                                        "skipped": refusal})
                        continue
                bare = bare_fdatasync(data_dir, FSYNC_PROBES // 2)
                cpu0 = cpu_seconds()
                start = now()
                pace = IB_CLICKS_PER_S if figure == "wire" else None
                refused_before = len(watcher.refused)
                coids = await _click_orders(window, watcher, account, orders, bid, run * orders, pace)
                refusals = watcher.refused[refused_before:]
                elapsed = now() - start
                cpu = cpu_seconds() - cpu0
                bare += bare_fdatasync(data_dir, FSYNC_PROBES - FSYNC_PROBES // 2)
                paced = [] if pace is None else await paced_fdatasync(data_dir, PACED_FSYNC_PROBES, pace)
                acks = [watcher.acks[c] - watcher.clicks[c] for c in coids]
                record: dict[str, Any] = {
                    "bench": "click_to_wire", "variant": f"ticket->{account.split('-')[0].lower()}",
                    "orders": len(coids),
                    "refused": len(refusals),
                    "click_to_ack_p50_ms": ms(percentile(acks, 0.5)), "click_to_ack_p99_ms": ms(percentile(acks, 0.99)),
                    "click_to_ack_max_ms": ms(max(acks)), "orders_per_s_one_at_a_time": round(len(coids) / elapsed),
                    "clicks_paced_per_s": pace,
                    "cpu_ms_per_order": round(cpu / len(coids) * 1000, 3),
                }
                if refusals:  # the figures above are then not of orders that reached the broker: say why
                    record["first_refusal"] = refusals[0]
                if figure == "ack":
                    record.update(_commit_figures(
                        coids, commits, bare, {c: watcher.acks[c] - watcher.clicks[c] for c in coids}, "click_to_ack"))
                if figure == "wire":
                    stamps = _read_stamps(stamp_path)
                    ours = [socket.at[c] - watcher.clicks[c] for c in coids if c in socket.at]
                    wires = [stamps[c] - watcher.clicks[c] for c in coids if c in stamps]
                    record.update({"sim_priority": sim_priority,
                                   "click_to_wire_p50_ms": ms(percentile(wires, 0.5)),
                                   "click_to_wire_p99_ms": ms(percentile(wires, 0.99)),
                                   "click_to_wire_max_ms": ms(max(wires, default=0.0)),
                                   "wire_stamps": len(wires),
                                   "click_to_socket_p50_ms": ms(percentile(ours, 0.5)),
                                   "click_to_socket_p99_ms": ms(percentile(ours, 0.99))})
                    path_cpu = [socket.cpu_at[c] - watcher.click_cpu[c] - commits.cpu_of[c] for c in coids
                                if c in socket.cpu_at and c in commits.cpu_of]
                    record.update({"click_to_socket_cpu_minus_commit_p50_ms": ms(percentile(path_cpu, 0.5)),
                                   "click_to_socket_cpu_minus_commit_p99_ms": ms(percentile(path_cpu, 0.99))})
                    commit_cpu = [commits.cpu_of[c] for c in coids if c in commits.cpu_of]
                    record.update({"journal_commit_cpu_p50_ms": ms(percentile(commit_cpu, 0.5)),
                                   "journal_commit_cpu_p99_ms": ms(percentile(commit_cpu, 0.99))})
                    wire = {c: stamps[c] - watcher.clicks[c] for c in coids if c in stamps}
                    record.update(_commit_figures(coids, commits, bare, wire, "click_to_wire", paced))
                records.append(record)
            unwatch()  # the sustained runs pair no clicks: the bench's own watcher is not part of their cost
            if only not in (None, "sustained"):
                return
            bid = session.quotes.latest("MSFT").bid  # one base price for both runs: their orders never repeat
            for run, in_flight in enumerate((1, IN_FLIGHT)):
                count = throughput_orders
                accepted, elapsed, cpu = await _throughput(session, count, bid, in_flight, run * count)
                records.append({"bench": "click_to_wire", "variant": "sustained->paper", "in_flight": in_flight,
                                "orders": count, "accepted": accepted, "orders_per_s": round(count / elapsed),
                                "cpu_ms_per_order": round(cpu / count * 1000, 3), "peak_rss_mb": peak_rss_mb()})
            records.append(await _cancel_all(session, AccountId("PAPER-1")))
        finally:
            window.close()
            await window.shutdown()

    try:
        with loop:
            loop.run_until_complete(scenario())
    finally:
        sim.kill()
        sim.wait()
        work.cleanup()
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.click_to_wire", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=ORDERS, help="orders clicked per account")
    parser.add_argument("--throughput-orders", type=int, default=THROUGHPUT_ORDERS, help="orders for orders/s")
    parser.add_argument("--profile", metavar="PATH", help="write cProfile stats to PATH")
    parser.add_argument("--hide", metavar="DOCK", action="append", default=[],
                        help="hide this dock as the window opens (e.g. dock.chart, dock.ladder)")
    parser.add_argument("--only", choices=RUNS, help="run only these figures: the IB clicks (ib), the paper clicks "
                        "(paper), or the sustained orders/s and the cancel-all (sustained)")
    parser.add_argument("--sim", metavar="STAMP_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sim:
        run_sim(args.sim)
        return
    speed = host_speed_ms()  # before the run: the same workload in the same state of the process
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        records = profiler.runcall(run, args.orders, args.throughput_orders, tuple(args.hide), args.only)
        profiler.dump_stats(args.profile)
    else:
        records = run(args.orders, args.throughput_orders, tuple(args.hide), args.only)
    for record in records:
        emit({**record, "host_speed_ms": speed, **({"hidden": args.hide} if args.hide else {}), **machine()})


if __name__ == "__main__":
    main()
