"""Price ladder benchmarks: repaint of 40 visible levels, a depth storm across 20 ladders, click on a level to wire.

`python -m bench.ladder` prints one JSON line per figure:
- ladder_repaint: one frame of a ladder with a full book (model flush + synchronous paint of the grid's
  viewport, 40 visible levels), p50/p99/max over REPAINTS frames.
- ladder_depth_storm: DEPTH_PER_S whole DepthBook events a second on the real window's bus, spread over
  LADDERS ladders (each its own LadderModel + widget watching its symbol through the frame feed) for
  STORM_S seconds, once the ladders are open and painted: GUI busy max and p99 (bench/qtprobe.py's 1 ms
  heartbeat: the longest stall of the GUI thread) with the GUI thread's own CPU in those stalls, and
  staleness p99 (first book published after a flush -> the end of the paint that shows it), and the frame
  flusher's part in it: how often a pass's spent budget put a ladder off to the next pass, and the longest a
  due ladder waited for its pass. Each ladder
  paints when Qt paints it (what its model's flush marked changed), as in the window; nothing forces it.
  The start-up heap is frozen first, as the app's main() does: without it a full GC pass over the window's
  objects (67 ms of the GUI thread, profiled) landed in the storm, a stall the app never has.
- ladder_click_to_wire: an armed click on a Buy cell of the real window's ladder (IB account, TWS simulator in
  its own process, stamping each placeOrder when its reader has the bytes; see bench/click_to_wire.py) to
  the simulator's stamp, p50/p99, one click after the previous order's acknowledgement: click_to_* from just
  before the button goes down, release_to_* from just before it comes up (the press and the release come
  back to back here; a trader's are some 100 ms apart, and the order goes on the release). The start-up heap
  is frozen first, as the app's main() does two seconds after the start. Hop by hop (ClickHops, p50/p99 of each
  click's own stamps): hop_press_ms (the press's handling, and QTest's dispatch of both events), hop_ladder_ms
  (the button up to the session's submit: the ladder's checks and its request), hop_checks_ms (submit to the
  journal commit: validation and risk), journal_commit (the durable commit), hop_adapter_ms (the commit's end to
  the bytes handed to the kernel); each also by the GUI thread's CPU (hop_*_cpu_*), and the click to the socket
  without the commit by CPU (click_to_socket_cpu_minus_commit): where a wall figure's tail is above its CPU's, the
  thread was not running (another process on the 2 vCPUs, the simulator woken by the bytes) or, in the commit,
  waited for the disk. Each click comes after the ladder held still for MOVED_GUARD_S, so after half a second of
  idleness, as a trader's does. --press-hold S keeps the button down S seconds, the window running. --profile FILE
  profiles each click, call by call, from its press to its bytes (cProfile by the GUI thread's CPU).
- ladder_ticket_control (--ticket-clicks N): the ticket's Send clicked N times in the same window, each after as
  much idleness as a ladder click and PREFILL_TO_CLICK_S after the ticket was filled, with the same hops
  (hop_ticket: the click to the session's submit). bench/click_to_wire.py clicks the ticket 33 ms after the
  previous order, right after filling it: a path kept warm, about 1 ms faster at p50 than the same path after
  idleness on the 2-vCPU VM, which is why the ladder looked slower than the ticket.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import stamping_sim
from bench.click_to_wire import (
    FSYNC_PROBES,
    AckWatcher,
    CommitTimes,
    SocketStamps,
    _commit_figures,
    _read_stamps,
    _resting_price,
    _stamp_place,
    _until,
    _write_settings,
    bare_fdatasync,
    paced_fdatasync,
)
from bench.common import emit, machine, ms, now, percentile

REPAINTS = 500
LADDERS = 20
DEPTH_PER_S = 10_000
STORM_S = 5.0
CLICKS = 150
"""Each on its own level below the bid (HALF_RANGE levels are on the ladder): an own order's cell cancels."""
CLICKS_PER_S = 30
"""Under TWS's pacing limit (see bench/click_to_wire.py)."""
PRESS_HOLD_S = 0.0
"""Between the button going down and coming up, the event loop running (--press-hold; a trader's: some 0.1 s)."""
TICKET_CLICKS = 0
"""Ticket clicks after the ladder's, as idle before each as a ladder click is (--ticket-clicks; 0: none)."""
TICKET_IDLE_S = 0.5
"""The idle before a ticket click: as long as a ladder click waits for the levels to hold still (MOVED_GUARD_S)."""
PREFILL_TO_CLICK_S = 0.1
"""From the ticket filled to its Send clicked: the trader's pointer going from the price to the button."""
PROFILE: str | None = None
"""--profile FILE: cProfile by the GUI thread's CPU from each click's press to its placeOrder bytes, into FILE
(pstats; read it with `python -m pstats FILE`), the ticket's clicks too with --ticket-clicks. The profiler adds
about 1 us a call: it says what runs on the click's path and how often, not how long the bench's figures are."""


class ClickHops:
    """Stamp each click's hops: the click, the release handler's entry, the session's submit, the commit's start and
    end, the placeOrder bytes handed to the kernel; each by the wall clock and by the GUI thread's CPU (the wall
    beyond the CPU is the disk's flush, or the thread not running); and the GUI thread's CPU in the commit."""

    def __init__(self) -> None:
        self.click = -1
        self.at: dict[int, dict[str, float]] = {}
        self.cpu_at: dict[int, dict[str, float]] = {}
        self.commit_cpu: dict[int, float] = {}
        self.profiler = None if PROFILE is None else cProfile.Profile(time.thread_time)

    def stamp(self, hop: str) -> None:
        if self.click >= 0:
            self.at.setdefault(self.click, {}).setdefault(hop, now())
            self.cpu_at.setdefault(self.click, {}).setdefault(hop, time.thread_time())
            if self.profiler is not None and hop == "press":
                self.profiler.enable()
            elif self.profiler is not None and hop == "sent":
                self.profiler.disable()

    def done(self) -> None:
        """The click's order is acknowledged (or refused): stamp nothing more for it."""
        self.click = -1
        if self.profiler is not None:
            self.profiler.disable()

    def install(self) -> None:
        from ib_async.connection import Connection

        from core.services.session import TradingSession
        from core.storage.journal import SqliteJournal
        from gui.widgets.ladder.widget import LadderTableView

        release, submit, record, send = (LadderTableView.mouseReleaseEvent, TradingSession.submit,
                                         SqliteJournal.record_orders, Connection.sendMsg)
        stamp = self.stamp

        def released(view: Any, event: Any) -> None:
            stamp("release")
            release(view, event)

        async def submitted(session: Any, *args: Any, **kwargs: Any) -> Any:
            stamp("submit")
            return await submit(session, *args, **kwargs)

        def recorded(journal: Any, *args: Any, **kwargs: Any) -> None:
            stamp("commit")
            cpu = time.thread_time()
            record(journal, *args, **kwargs)
            if self.click >= 0:
                self.commit_cpu.setdefault(self.click, time.thread_time() - cpu)
            stamp("committed")

        def sent(connection: Any, msg: bytes) -> None:
            send(connection, msg)
            if "committed" in self.at.get(self.click, {}):  # the click's placeOrder: the first send after its commit
                stamp("sent")

        LadderTableView.mouseReleaseEvent = released  # type: ignore[method-assign]
        TradingSession.submit = submitted  # type: ignore[method-assign]
        SqliteJournal.record_orders = recorded  # type: ignore[method-assign]
        Connection.sendMsg = sent  # type: ignore[method-assign]

    LADDER_HOPS = {"hop_press": ("press", "release"), "hop_ladder": ("release", "submit"),
                   "hop_checks": ("submit", "commit"), "hop_adapter": ("committed", "socket")}
    TICKET_HOPS = {"hop_ticket": ("press", "submit"), "hop_checks": ("submit", "commit"),
                   "hop_adapter": ("committed", "socket")}
    """The ticket's click is QPushButton.click(): no press or release to stamp; its own hop ends at the submit."""

    def figures(self, pressed: dict[int, float], socket: dict[int, float],
                spans: dict[str, tuple[str, str]] = LADDER_HOPS) -> dict[str, Any]:
        """p50/p99 of each hop, over the clicks stamped at every hop; by the GUI thread's CPU too (*_cpu_*), and the
        click to the socket without the commit's CPU: the work of the path, where the wall figures add the waits."""
        needed = {hop for span in spans.values() for hop in span} - {"press", "socket"}
        clicks = [k for k in pressed if k in socket and needed <= set(self.at.get(k, {}))]
        whole = [{**self.at[k], "press": pressed[k], "socket": socket[k]} for k in clicks]
        cpu = [self.commit_cpu[k] for k in pressed if k in self.commit_cpu]
        figures: dict[str, Any] = {"hops_stamped": len(whole), "journal_commit_cpu_p50_ms": ms(percentile(cpu, 0.5)),
                                   "journal_commit_cpu_p99_ms": ms(percentile(cpu, 0.99))}
        cpu_of = {k: {**self.cpu_at[k], "socket": self.cpu_at[k]["sent"]} for k in clicks
                  if {"press", "sent"} <= set(self.cpu_at[k])}
        cpu_at = list(cpu_of.values())
        path_cpu = [at["socket"] - at["press"] - self.commit_cpu[k] for k, at in cpu_of.items() if k in self.commit_cpu]
        figures.update({"click_to_socket_cpu_minus_commit_p50_ms": ms(percentile(path_cpu, 0.5)),
                        "click_to_socket_cpu_minus_commit_p99_ms": ms(percentile(path_cpu, 0.99))})
        for name, (start, end) in spans.items():
            took = [at[end] - at[start] for at in whole]
            figures.update({f"{name}_p50_ms": ms(percentile(took, 0.5)), f"{name}_p99_ms": ms(percentile(took, 0.99))})
            took = [at[end] - at[start] for at in cpu_at]
            figures.update({f"{name}_cpu_p50_ms": ms(percentile(took, 0.5)),
                            f"{name}_cpu_p99_ms": ms(percentile(took, 0.99))})
        return figures


def _book(symbol: str, mid: int, source: str, rows: int = 20, seed: int = 0) -> Any:
    from core.domain.depth import BookLevel, DepthBook

    tick = Decimal("0.01")
    bids = tuple(BookLevel((mid - i) * tick, Decimal(1 + (i * 7 + seed) % 50)) for i in range(rows))
    asks = tuple(BookLevel((mid + 1 + i) * tick, Decimal(1 + (i * 11 + seed) % 50)) for i in range(rows))
    return DepthBook(symbol, source, bids, asks)


def _ladder(parent: Any = None) -> tuple[Any, Any]:
    from gui.widgets.ladder.model import LadderModel
    from gui.widgets.ladder.widget import VISIBLE_LEVELS, LadderWidget

    model = LadderModel()
    model.reset(Decimal("0.01"), 2)
    widget = LadderWidget(model, parent)
    widget.resize(420, 340 + VISIBLE_LEVELS * 18)  # header, position and tape lines, then the levels
    widget.show()
    return model, widget


def bench_repaint() -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["ladder"])
    model, widget = _ladder()
    model.set_touch(Decimal("100.00"), Decimal("100.01"), Decimal("100.00"))
    widget.centre()
    app.processEvents()
    visible = widget.table.rowAt(widget.table.viewport().height() - 1) - widget.table.rowAt(0) + 1
    times, cpu = [], []
    for i in range(REPAINTS):
        model.set_book(_book("X", 10_000, "B", seed=i).bids, _book("X", 10_000, "B", seed=i).asks)
        start, cpu_start = now(), time.thread_time()
        model.flush()
        widget.table.viewport().repaint()
        times.append(now() - start)
        cpu.append(time.thread_time() - cpu_start)
    widget.close()
    return {"bench": "ladder_repaint", "visible_levels": visible, "frames": REPAINTS,
            "repaint_p50_ms": ms(percentile(times, 0.5)), "repaint_p99_ms": ms(percentile(times, 0.99)),
            "repaint_max_ms": ms(max(times)), "repaint_cpu_p99_ms": ms(percentile(cpu, 0.99)),
            "note": "wall p99 above cpu p99 is the thread not running (2 shared vCPUs), not paint work"}


async def _storm(window: Any) -> dict[str, Any]:
    from PySide6.QtCore import Qt, QTimer

    from bench.qtprobe import Heartbeat, PaintProbe

    bus, feed = window.session.bus, window.bridge.feed
    symbols = [f"LDR{i:02d}" for i in range(LADDERS)]
    first_pending: dict[str, float] = {}
    flushed: dict[str, float] = {}
    staleness: list[float] = []
    ladders = []
    probes: list[Any] = []
    for symbol in symbols:
        model, widget = _ladder()
        model.set_touch(Decimal("100.00"), Decimal("100.01"), None)
        widget.centre()

        def on_frame(books: Any, model: Any = model, symbol: str = symbol) -> None:
            book = books[symbol]
            model.set_book(book.bids, book.asks)

        original_flush = model.flush

        def flush(original: Any = original_flush, symbol: str = symbol) -> None:
            original()  # tells the view what changed; Qt paints it at its next update, as in the window
            started = first_pending.pop(symbol, None)
            if started is not None:
                flushed.setdefault(symbol, started)

        def painted(end: float, symbol: str = symbol) -> None:
            started = flushed.pop(symbol, None)
            if started is not None and probes[0].counting:
                staleness.append(end - started)

        model.flush = flush
        probes.append(PaintProbe(widget.table, painted))
        window.bridge.flusher.register(model)
        watch = feed.watch_depth([symbol], on_frame, feed="BENCH", paint_with=model)
        ladders.append((model, widget, watch))
    await asyncio.sleep(0.5)  # the ladders are open, laid out and painted before the storm starts
    books = [[_book(s, 10_000 + k % 7, "BENCH", seed=k) for k in range(50)] for s in symbols]
    sent = 0
    start = now()

    def pump() -> None:
        nonlocal sent
        due = int((now() - start) * DEPTH_PER_S)
        while sent < due:
            i = sent % LADDERS
            symbol = symbols[i]
            first_pending.setdefault(symbol, now())
            bus.publish(books[i][(sent // LADDERS) % 50])
            sent += 1

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(1)
    timer.timeout.connect(pump)
    beat = Heartbeat()
    flusher = window.bridge.flusher
    flusher.reset_late()
    carried = flusher.carried
    for probe in probes:
        probe.counting = True
    beat.start()
    timer.start()
    await asyncio.sleep(STORM_S)
    timer.stop()
    beat.stop()
    for probe in probes:
        probe.counting = False
    elapsed = now() - start
    for _model, widget, watch in ladders:
        watch.cancel()
        window.bridge.flusher.unregister(_model)
        widget.close()
    paints = sum(p.paints for p in probes)
    return {"bench": "ladder_depth_storm", "ladders": LADDERS, "depth_per_s_target": DEPTH_PER_S,
            "depth_per_s_sent": round(sent / elapsed), "seconds": round(elapsed, 2),
            "gui_busy_max_ms": ms(max(beat.gaps)), "gui_busy_p99_ms": ms(percentile(beat.gaps, 0.99)),
            "stall_max_cpu_ms": ms(max(beat.cpu_gaps, default=0.0)),
            "stall_p99_cpu_ms": ms(percentile(beat.cpu_gaps, 0.99)),
            "staleness_p50_ms": ms(percentile(staleness, 0.5)), "staleness_p99_ms": ms(percentile(staleness, 0.99)),
            "paints": paints, "paint_ms_avg": ms(sum(p.paint_seconds for p in probes) / max(1, paints)),
            "paints_per_ladder_per_s": round(paints / LADDERS / elapsed, 1),
            "flusher_late_max_ms": round(flusher.late_max_ms, 2),
            "flusher_carried_per_s": round((flusher.carried - carried) / elapsed),
            "note": "gui_busy is wall time between 1 ms heartbeats; stall_*_cpu is the GUI thread's own CPU in them"}


async def _ticket_clicks(window: Any, watcher: AckWatcher, hops: ClickHops, bid: Decimal, first: int
                         ) -> tuple[list[str], dict[int, float]]:
    """Click the ticket's Send TICKET_CLICKS times (IB-7, AAPL), each TICKET_IDLE_S after the previous order's
    acknowledgement and PREFILL_TO_CLICK_S after the ticket was filled: a ladder click's idleness, for the same
    path from the ticket. Return the orders and when each click began (by click number, from first)."""
    from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton

    from core.domain import Side

    ticket = window.ticket
    ticket.findChild(QComboBox, "orderTicket.accountCombo").setCurrentText("IB-7")
    send = ticket.findChild(QPushButton, "orderTicket.sendButton")
    quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
    coids: list[str] = []
    clicked: dict[int, float] = {}
    for k in range(first, first + TICKET_CLICKS):
        await asyncio.sleep(TICKET_IDLE_S)
        ticket.prefill("AAPL", Side.BUY, quantity=Decimal(1), price=_resting_price(bid, k))
        quantity.setText("1")
        await asyncio.sleep(PREFILL_TO_CLICK_S)
        before = len(watcher.acks)
        hops.click = k
        watcher.clicked_at = clicked[k] = now()
        hops.stamp("press")
        send.click()
        await _until(lambda b=before: len(watcher.acks) > b, "the ticket order's acknowledgement")
        hops.done()
        coids.append(next(reversed(watcher.acks)))  # the newest: this click's order
    return coids, clicked


async def _clicks(window: Any, stamp_path: Path, data_dir: Path) -> list[dict[str, Any]]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from core.domain import AccountId, OrderUpdated, TradingState
    from gui.app import freeze_startup_heap
    from gui.controllers.ladder import MOVED_GUARD_S
    from gui.widgets.ladder.model import COLUMNS

    session = window.session
    ib = AccountId("IB-7")
    await _until(lambda: session.account(ib).trading is TradingState.ACTIVE, "IB-7 to trade")
    await _until(lambda: session.quotes.latest("AAPL", "IB-7") is not None, "IB quotes")
    ladder = window.ladder
    ladder.show("IB-7", "AAPL")
    ladder.widget.arm_button.setChecked(True)
    await _until(lambda: ladder.model.best_bid is not None, "the ladder's touch")
    watcher = AckWatcher()
    socket = SocketStamps()
    socket.install()
    commits = CommitTimes()
    commits.install()
    hops = ClickHops()
    hops.install()
    bare = bare_fdatasync(data_dir, FSYNC_PROBES // 2)
    unwatch = session.bus.subscribe(OrderUpdated, watcher.on_order_updated)
    bid = ladder.model.best_bid * ladder.model.tick
    table = ladder.widget.table
    coids: list[str] = []
    released: dict[int, float] = {}
    pressed: dict[int, float] = {}
    freeze_startup_heap()  # as main() does once the window is up (before any trader could click)
    try:
        for k in range(CLICKS):
            price = bid - ladder.model.tick * (5 + k)
            window.bridge.flusher.flush_now()
            row = ladder.model.row_of_price(price)
            index = ladder.model.index(row, COLUMNS.index("buy"))
            table.scrollTo(index)
            # As a trader looks before he clicks: an armed click within MOVED_GUARD_S of the levels moving by
            # themselves (centring, following the market) sends nothing (gui/controllers/ladder.py).
            await _until(lambda: not ladder.widget.moved_within(MOVED_GUARD_S), "the ladder to hold still")
            point = table.visualRect(index).center()
            before = len(watcher.acks)
            watcher.acked.clear()
            hops.click = k
            watcher.clicked_at = pressed[k] = now()
            hops.stamp("press")
            QTest.mousePress(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
            if PRESS_HOLD_S:
                await asyncio.sleep(PRESS_HOLD_S)
            released[k] = now()  # a trader's button comes up some 100 ms after it went down: the click is then
            QTest.mouseRelease(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
            try:
                await _until(lambda b=before: len(watcher.acks) > b, "the order's acknowledgement")
            except TimeoutError:
                raise TimeoutError(f"no acknowledgement; the ladder says {ladder.widget.status_label.text()!r}, "
                                   f"visible={table.isVisible()}") from None
            hops.done()
            coids.append(next(c for c in watcher.acks if c not in coids))
            await asyncio.sleep(1 / CLICKS_PER_S)
        ticket_coids, ticket_clicked = await _ticket_clicks(window, watcher, hops, bid, CLICKS)
    finally:
        unwatch()
        if hops.profiler is not None and PROFILE is not None:
            hops.done()
            hops.profiler.dump_stats(PROFILE)
    bare += bare_fdatasync(data_dir, FSYNC_PROBES - FSYNC_PROBES // 2)
    paced = await paced_fdatasync(data_dir, FSYNC_PROBES // 2, CLICKS_PER_S)
    stamps = _read_stamps(stamp_path)
    wires = [stamps[c] - watcher.clicks[c] for c in coids if c in stamps]
    ours = [socket.at[c] - watcher.clicks[c] for c in coids if c in socket.at]
    acks = [watcher.acks[c] - watcher.clicks[c] for c in coids]
    up = {c: released[k] for k, c in enumerate(coids)}
    release_wires = [stamps[c] - up[c] for c in coids if c in stamps]
    release_ours = [socket.at[c] - up[c] for c in coids if c in socket.at]
    records = [{"bench": "ladder_click_to_wire", "clicks": len(coids), "refused": len(watcher.refused),
            "first_refusal": watcher.refused[0] if watcher.refused else None, "wire_stamps": len(wires),
            "click_to_wire_p50_ms": ms(percentile(wires, 0.5)), "click_to_wire_p99_ms": ms(percentile(wires, 0.99)),
            "click_to_socket_p50_ms": ms(percentile(ours, 0.5)),
            "click_to_socket_p99_ms": ms(percentile(ours, 0.99)),
            "click_to_ack_p50_ms": ms(percentile(acks, 0.5)), "click_to_ack_p99_ms": ms(percentile(acks, 0.99)),
            "release_to_wire_p50_ms": ms(percentile(release_wires, 0.5)),
            "release_to_wire_p99_ms": ms(percentile(release_wires, 0.99)),
            "release_to_socket_p50_ms": ms(percentile(release_ours, 0.5)),
            "release_to_socket_p99_ms": ms(percentile(release_ours, 0.99)),
            **_commit_figures(coids, commits, bare, {c: socket.at[c] - watcher.clicks[c] for c in coids
                                                    if c in socket.at}, "click_to_socket", paced),
            **hops.figures(pressed, {k: socket.at[c] for k, c in enumerate(coids) if c in socket.at})}]
    if ticket_coids:
        ticket_socket = [socket.at[c] - watcher.clicks[c] for c in ticket_coids if c in socket.at]
        records.append({
            "bench": "ladder_ticket_control", "clicks": len(ticket_coids), "idle_s": TICKET_IDLE_S,
            "prefill_to_click_s": PREFILL_TO_CLICK_S,
            "click_to_socket_p50_ms": ms(percentile(ticket_socket, 0.5)),
            "click_to_socket_p99_ms": ms(percentile(ticket_socket, 0.99)),
            **_commit_figures(ticket_coids, commits, bare, {c: socket.at[c] - watcher.clicks[c] for c in ticket_coids
                                                          if c in socket.at}, "click_to_socket", paced),
            **hops.figures(ticket_clicked, {CLICKS + i: socket.at[c] for i, c in enumerate(ticket_coids)
                                            if c in socket.at}, ClickHops.TICKET_HOPS),
            "note": "the ticket's path clicked as a ladder click comes: after idleness, not 33 ms after the last "
                    "order with the ticket filled just before (bench/click_to_wire.py)"})
    return records


def run(only: str | None = None) -> list[dict[str, Any]]:
    from PySide6.QtWidgets import QApplication

    from gui.app import create_main_window, freeze_startup_heap
    from gui.event_loop import EventLoop

    app = QApplication.instance() or QApplication(["ladder"])
    records = [bench_repaint()] if only in (None, "repaint") else []
    if only == "repaint":
        return records
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    work = tempfile.TemporaryDirectory(prefix="ladder-bench-")
    data_dir = Path(work.name)
    stamp_path = data_dir / "stamps.txt"
    stamp_path.touch()
    sim, port = stamping_sim.start("bench.ladder", stamp_path)

    async def scenario() -> None:
        _write_settings(data_dir, port)
        window = create_main_window(data_dir, "paper")
        window.resize(1500, 900)
        window.show()
        try:
            if only in (None, "clicks"):
                records.extend(await _clicks(window, stamp_path, data_dir))
            if only in (None, "storm"):
                await asyncio.sleep(0.5)  # the window's own start-up work is over
                freeze_startup_heap()  # as main() does once the window is up (bench/tickstorm.py does too)
                records.append(await _storm(window))
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim", metavar="STAMP_FILE", help=argparse.SUPPRESS)
    parser.add_argument("--repaints", type=int, default=REPAINTS)
    parser.add_argument("--storm-seconds", type=float, default=STORM_S)
    parser.add_argument("--clicks", type=int, default=CLICKS)
    parser.add_argument("--only", choices=("repaint", "clicks", "storm"), help="run one figure only")
    parser.add_argument("--ticket-clicks", type=int, default=TICKET_CLICKS, metavar="N",
                        help="then N ticket clicks as idle before each as a ladder click (the same path, compared)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile each click from its press to its bytes into FILE")
    parser.add_argument("--press-hold", type=float, default=PRESS_HOLD_S, metavar="S",
                        help="seconds each click's button stays down, the window running (0: back to back)")
    args = parser.parse_args(argv)
    if args.sim:
        stamping_sim.serve(args.sim, _stamp_place)
        return
    globals().update(TICKET_CLICKS=args.ticket_clicks, PRESS_HOLD_S=args.press_hold, REPAINTS=args.repaints,
                     PROFILE=args.profile,
                     STORM_S=args.storm_seconds, CLICKS=min(args.clicks, 190))
    for record in run(args.only):
        record["machine"] = machine()
        emit(record)


if __name__ == "__main__":
    main()
