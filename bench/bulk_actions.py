"""Bulk actions in the real window: cancel-all of 5,000 working orders, flatten of 1,000 positions, the kill switch.

`python -m bench.bulk_actions` opens the real window (create_main_window, offscreen) with one paper
account that lists 1,010 instruments (the 10 default ones and 1,000 more), all quoted each market tick
as connect subscribes them. Then, each against the GUI busy probe (bench/qtprobe.Heartbeat, a 1 ms
Qt timer on the GUI thread):

- cancel_all: 5,000 resting buy limits, 5 in each synthetic symbol (sent 64 in flight, all acknowledged), then
  session.cancel_all; with --concentrate AAPL --concentrate MSFT all on those two, as click_to_wire leaves them
  (the chart, on AAPL, then draws 2,500 order lines);
- flatten: one market buy in each of 1,000 symbols (all filled), then session.flatten;
- kill_switch: both at once (5,000 resting orders and 1,000 positions), then session.kill_switch, timed to its
  last cancel confirmed; then, in a line of its own (`flatten_after_kill_switch`), the confirmed flatten a trader
  does next (the kill switch halts; Flatten only reduces, after a confirm), timed to the last position closed.
  Each is an action of its own, with its own goal (issue 27: each < 1 s, no stretch over 16 ms).

Figures, one JSON line each: `orders` (cancels asked) and `positions` (to close); `acked` (how many of
them the broker confirmed: cancels CANCELED, positions flat); `all_acked_ms`, from the action to the
last acknowledgement; `stall_max_cpu_ms`, the most CPU the GUI thread spent in one stretch between two
heartbeats (the freeze a trader sees, less the host's steal); `stall_max_ms`, the same stretch in wall
time; `stalls_over_16ms`, the CPU stretches longer than a frame; `gui_cpu_ms`, all the CPU the GUI thread
spent from the action to the last acknowledgement (on a loaded host the wall time is mostly waiting for a
core). A run that does not reach every acknowledgement says so (`acked` below `orders`) rather than report
a time. The bench looks every 5 ms at the cancels and positions not yet acknowledged (not at all 5,000 each time:
that was a third of the GUI thread's CPU in a cancel-all, and part of its longest stretches).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import os
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import emit, host_speed_ms, machine, ms, now, steal_seconds

if TYPE_CHECKING:
    from bench.turn_trace import TurnTrace

ORDERS = 5_000
POSITIONS = 1_000
IN_FLIGHT = 64
_trace: TurnTrace | None = None
"""With --turns: what ran in the GUI thread's long stretches (printed to stderr after each variant)."""
_profile_actions: str | None = None
"""With --profile-actions PATH: each measured action is profiled (from the action to its last acknowledgement)
into PATH.<variant>."""
FRAME_MS = 16.0
ACCOUNT = "PAPER-1"
RISK = {"global": {
    "max_order_qty": "10000", "max_order_notional": "10000000", "collar_pct": "20", "max_position": "1000000",
    "max_gross_exposure": "1000000000", "duplicate_window_s": "0.5", "max_orders_per_second": "100000",
    "max_orders_per_minute": "1000000", "max_working_orders": "100000", "max_quote_age_s": "3600",
}}
"""Limits that refuse none of the bench's orders. The paper quotes of the 1,000 synthetic symbols reach
the session's quote cache unevenly under load, and a market order needs a quote younger than
max_quote_age_s: this bench measures the bulk actions, not quote freshness."""


def _list_instruments(count: int) -> None:
    """Have every paper account list the default instruments and `count` synthetic US stocks S0001... ."""
    from core.adapters.paper import adapter
    from core.adapters.paper.instruments import DEFAULT_INSTRUMENTS, START_PRICES
    from core.domain import AssetClass, Instrument

    extra = [Instrument(symbol=f"S{k:04d}", venue="NYSE", currency="USD", tick_size=Decimal("0.01"),
                        lot_size=Decimal(1), multiplier=Decimal(1), asset_class=AssetClass.STOCK, name=f"Stock {k}")
             for k in range(1, count + 1)]
    adapter.DEFAULT_INSTRUMENTS = (*DEFAULT_INSTRUMENTS, *extra)  # type: ignore[attr-defined]
    adapter.START_PRICES = {**START_PRICES, **{i.symbol: Decimal("50.00") for i in extra}}  # type: ignore[attr-defined]


def _write_settings(data_dir: Path) -> None:
    from core.storage.settings import AccountSettings, SettingsStore

    store = SettingsStore(data_dir / "settings.json")
    store.set_accounts([AccountSettings(ACCOUNT, "paper", {"state_path": str(data_dir / "paper" / f"{ACCOUNT}.json"),
                                                           "tick_interval_s": 0.25})])
    store.set_risk(RISK)
    store.set_confirm_orders(False)


async def _until(predicate: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    deadline = now() + timeout
    while not predicate():
        if now() > deadline:
            raise TimeoutError(f"bulk_actions: gave up waiting for {what}")
        await asyncio.sleep(0.005)


async def _rest_orders(session: Any, count: int, first: int, symbols: list[str]) -> None:
    """Send count resting buy limits over symbols in turn (about 10% under the market, none repeating another),
    IN_FLIGHT at once."""
    from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side

    account = AccountId(ACCOUNT)
    numbers = iter(range(first, first + count))
    await _until(lambda: all(session.quotes.latest(s, account) is not None for s in symbols), "every symbol's quote")
    bids = {s: session.quotes.latest(s, account).bid for s in symbols}

    async def sender() -> None:
        for k in numbers:
            symbol = symbols[k % len(symbols)]
            below = Decimal("0.01") * (k // len(symbols) % 1000)
            price = (bids[symbol] * Decimal("0.9")).quantize(Decimal("0.01")) - below
            order = await session.submit(OrderRequest(account, symbol, Side.BUY, Decimal(1 + k % 7),
                                                      OrderType.LIMIT, price))
            if order.status is not OrderStatus.ACCEPTED:
                raise RuntimeError(f"bulk_actions: a resting order came back {order.status.value}: {order.reason}")

    await asyncio.gather(*(sender() for _ in range(IN_FLIGHT)))


async def _open_positions(session: Any, count: int) -> list[str]:
    """Buy 1 at market in each of count symbols, IN_FLIGHT at once; return the symbols (all filled)."""
    from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side

    account = AccountId(ACCOUNT)
    symbols = sorted(i.symbol for i in session.account(account).adapter.instruments() if i.venue == "NYSE")[:count]
    if len(symbols) < count:
        raise RuntimeError(f"bulk_actions: only {len(symbols)} synthetic stocks listed, {count} needed")
    await _until(lambda: all(session.quotes.latest(s, account) is not None for s in symbols), "every symbol's quote")
    pending = iter(symbols)

    async def sender() -> None:
        for symbol in pending:
            order = await session.submit(OrderRequest(account, symbol, Side.BUY, Decimal(1), OrderType.MARKET))
            if order.status is not OrderStatus.FILLED:
                raise RuntimeError(f"bulk_actions: a market buy of {symbol} came back {order.status.value}: "
                                   f"{order.reason}")

    await asyncio.gather(*(sender() for _ in range(IN_FLIGHT)))
    return symbols


def _open(session: Any, symbols: list[str]) -> int:
    from core.domain import AccountId

    account = AccountId(ACCOUNT)
    return sum(1 for s in symbols if (p := session.portfolio.position(account, s)) is not None and p.quantity != 0)


async def _measure(variant: str, session: Any, action: Callable[[], Any], orders: list[Any],
                   symbols: list[str], on: int) -> dict[str, Any]:
    """Run action under the heartbeat; time it to the last cancel confirmed and the last position closed."""
    from bench.qtprobe import Heartbeat
    from core.domain import OrderStatus

    left_orders, left_symbols = list(orders), list(symbols)

    def acked() -> int:  # only those not yet acknowledged: a poll of all 5,000 was a third of the GUI thread's CPU
        nonlocal left_orders, left_symbols
        left_orders = [o for o in left_orders if o.status is not OrderStatus.CANCELED]
        left_symbols = [s for s in left_symbols if _open(session, [s])]
        return len(orders) - len(left_orders) + len(symbols) - len(left_symbols)

    heartbeat = Heartbeat()
    if _trace is not None:
        _trace.stretches.clear()
        _trace.attach(heartbeat)
    steal0 = steal_seconds()
    heartbeat.start()
    start = now()
    profile = None if _profile_actions is None else cProfile.Profile()
    if profile is not None:
        profile.enable()
    await action()
    with contextlib.suppress(TimeoutError):  # reported below as acked < orders + positions
        await _until(lambda: acked() == len(orders) + len(symbols), f"{variant}: every acknowledgement", 60.0)
    elapsed = now() - start
    if profile is not None:
        profile.disable()
        profile.dump_stats(f"{_profile_actions}.{variant}")
    heartbeat.stop()
    steal1 = steal_seconds()
    cpu = heartbeat.cpu_gaps
    if _trace is not None:
        print(f"--- {variant}: the stretches over {_trace.over_ms:g} ms CPU\n{_trace.report()}\n"
              f"all passes: {_trace.totals()}", file=sys.stderr)
    return {"bench": "bulk_actions", "variant": variant, "orders": len(orders), "orders_on_symbols": on,
            "positions": len(symbols),
            "acked": acked(), "all_acked_ms": ms(elapsed),
            "stall_max_cpu_ms": ms(max(cpu, default=0.0)), "stall_max_ms": ms(max(heartbeat.gaps, default=0.0)),
            "stalls_over_16ms": sum(1 for c in cpu if c * 1000 > FRAME_MS), "gui_cpu_ms": ms(sum(cpu)),
            "steal_ms": None if steal0 is None or steal1 is None else ms(steal1 - steal0)}


def _working(session: Any) -> list[Any]:
    from core.domain import AccountId

    return list(session.oms.working(AccountId(ACCOUNT)))


def run(orders: int, positions: int, variants: list[str], concentrate: list[str] | None = None) -> list[dict[str, Any]]:
    """Run each variant in one window against one paper account; return the figure sets.

    The resting orders go over the 1,000 synthetic symbols (5 each at 5,000), or over `concentrate` only.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from core.domain import AccountId, TradingState
    from gui.app import create_main_window, freeze_startup_heap
    from gui.event_loop import EventLoop

    _list_instruments(positions)
    app = QApplication.instance() or QApplication(["bulk_actions"])
    if _trace is not None:
        _trace.watch_qt_events()
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    work = tempfile.TemporaryDirectory(prefix="bulk-actions-")
    data_dir = Path(work.name)
    records: list[dict[str, Any]] = []

    async def scenario() -> None:
        _write_settings(data_dir)
        window = create_main_window(data_dir, "paper")
        window.resize(1500, 900)
        window.show()
        session = window.session
        account = AccountId(ACCOUNT)
        try:
            await _until(lambda: session.account(account).trading is TradingState.ACTIVE, "the account to trade")
            await _until(lambda: session.quotes.latest("AAPL", account) is not None, "quotes")
            freeze_startup_heap()  # as main() does once the window is up
            first = 0
            spread = sorted(i.symbol for i in session.account(account).adapter.instruments() if i.venue == "NYSE")
            for variant in variants:
                resting: list[Any] = []
                symbols: list[str] = []
                if variant in ("cancel_all", "kill_switch"):
                    await _rest_orders(session, orders, first, spread if concentrate is None else concentrate)
                    first += orders
                    resting = _working(session)
                if variant in ("flatten", "kill_switch"):
                    symbols = await _open_positions(session, positions)
                on = len({o.symbol for o in resting})
                await asyncio.sleep(0.5)  # the window catches up with the set-up before the probe starts
                if variant == "cancel_all":
                    records.append(await _measure(variant, session, lambda: session.cancel_all(account),
                                                  resting, symbols, on))
                elif variant == "flatten":
                    records.append(await _measure(variant, session, lambda: session.flatten(account),
                                                  resting, symbols, on))
                else:  # each action on its own: the trader confirms the Flatten after the kill switch has acted
                    records.append(await _measure(variant, session, lambda: session.kill_switch("bench"),
                                                  resting, [], on))
                    await asyncio.sleep(0.5)
                    records.append(await _measure("flatten_after_kill_switch", session,
                                                  lambda: session.flatten(None, confirmed_by="bench"), [], symbols, 0))
                    session.resume(None, "bench")
        finally:
            window.close()
            await window.shutdown()

    try:
        with loop:
            loop.run_until_complete(scenario())
    finally:
        work.cleanup()
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bulk_actions", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=ORDERS, help="working orders to cancel")
    parser.add_argument("--positions", type=int, default=POSITIONS, help="positions to flatten")
    parser.add_argument("--variant", action="append", choices=("cancel_all", "flatten", "kill_switch"),
                        help="run only these (default: all three, in this order)")
    parser.add_argument("--concentrate", metavar="SYMBOL", action="append",
                        help="rest the orders on these symbols only (AAPL and MSFT, as click_to_wire leaves them: the "
                             "chart then draws thousands of order lines)")
    parser.add_argument("--profile", metavar="PATH", help="write cProfile stats to PATH (of the whole run)")
    parser.add_argument("--profile-actions", metavar="PATH",
                        help="write cProfile stats of each measured action (not the set-up) to PATH.<variant>")
    parser.add_argument("--turns", metavar="MS", type=float,
                        help="name the steps of each GUI-thread stretch over MS of CPU (on stderr; slows the run)")
    args = parser.parse_args(argv)
    if args.profile_actions:
        global _profile_actions
        _profile_actions = args.profile_actions
    if args.turns is not None:
        from bench.turn_trace import TurnTrace

        global _trace
        _trace = TurnTrace(args.turns)
        _trace.install()
    variants = args.variant or ["cancel_all", "flatten", "kill_switch"]
    speed = host_speed_ms()
    if args.profile:
        profiler = cProfile.Profile()
        records = profiler.runcall(run, args.orders, args.positions, variants, args.concentrate)
        profiler.dump_stats(args.profile)
    else:
        records = run(args.orders, args.positions, variants, args.concentrate)
    for record in records:
        emit({**record, "host_speed_ms": speed, **machine()})


if __name__ == "__main__":
    main()
