"""Alpaca's trade-updates stream against the simulator: the account's tasks end on one cancel each even while the
stream is busy, as the app's shutdown needs; and the simulator's stream is what alpaca-py's own client reads."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from typing import Any

from core.adapters.alpaca.adapter import AlpacaBroker, create
from core.domain import AccountId
from tests.adapters.contract import EventRecorder
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_fixture, sim_settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    from alpaca.trading.stream import TradingStream

sim = sim_fixture()
ACCOUNT = AccountId("ALPACA-S")
TEARDOWNS = 10
"""Shutdowns by a single cancel of each task on a busy stream: alpaca-py's TradingStream lost nearly every one."""


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{what} did not happen")


def alpaca_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("alpaca") and not t.done()]


async def listening(sim: AlpacaSimulator, adapter: AlpacaBroker, **settings: object) -> None:
    await adapter.connect()
    await until(lambda: bool(sim.trade_updates.listeners), "the trade-updates stream to listen")


async def busy(sim: AlpacaSimulator, stop: asyncio.Event) -> None:
    """Order after order at the simulator (another program on the account): a stream of trade updates."""
    while not stop.is_set():
        holding = sim.exchange.holdings.get("AAPL")
        side = "buy" if holding is None or holding.qty <= 0 else "sell"
        sim.exchange.submit({"symbol": "AAPL", "qty": 1, "side": side, "type": "market", "time_in_force": "day"})
        await asyncio.sleep(0)


async def test_one_cancel_ends_each_task_of_the_account_on_a_busy_trade_stream() -> None:
    """A loop's teardown (asyncio.run, qasync at exit) cancels each task once and waits for it: a task that loses
    that cancel hangs the app's exit."""
    simulator = AlpacaSimulator(tick_interval_s=0.001)
    await simulator.start()
    try:
        for attempt in range(TEARDOWNS):
            adapter = create(ACCOUNT, sim_settings(simulator, poll_interval_s=0.01), EventRecorder())
            await listening(simulator, adapter)
            stop = asyncio.Event()
            flood = asyncio.ensure_future(busy(simulator, stop))
            await asyncio.sleep(0.2)
            tasks = alpaca_tasks()
            assert any(t.get_name().startswith("alpaca-stream") for t in tasks)
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=5)  # a guard against hanging the test, not a measured time
            lost = [t.get_name() for t in tasks if not t.done()]
            stop.set()
            await flood
            await adapter.disconnect()
            assert lost == [], f"shutdown {attempt + 1}: {lost} outlived its cancel"
            await until(lambda: not simulator.trade_updates.listeners, "the stream to close")
    finally:
        await simulator.stop()


async def test_the_simulators_trade_stream_serves_alpaca_pys_own_trading_stream(sim: AlpacaSimulator) -> None:
    """The adapter reads the stream with aiohttp; the simulator it is tested on speaks what alpaca-py reads."""
    got: list[Any] = []

    async def on_update(update: Any) -> None:
        got.append(update)

    stream = TradingStream(sim.api_key, sim.api_secret, raw_data=False, url_override=sim.stream_url)
    stream.subscribe_trade_updates(on_update)
    task = asyncio.get_running_loop().create_task(stream._run_forever())
    try:
        await until(lambda: bool(sim.trade_updates.listeners), "alpaca-py's stream to listen")
        sim.exchange.submit({"symbol": "AAPL", "qty": 1, "side": "buy", "type": "market", "time_in_force": "day",
                             "client_order_id": "mine-1"})
        await until(lambda: any(u.event == "fill" for u in got), "alpaca-py's fill update")
        assert {u.order.client_order_id for u in got} == {"mine-1"}
    finally:
        await stream.stop_ws()  # its own stop: a cancel alone can be lost (see trade_stream.py)
        while not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=0.05)
