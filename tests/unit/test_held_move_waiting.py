"""Moving a held stop or target before its entry fills (the chart's drag on a resting bracket): checked against the
entry's price, not the market (it cannot fire before the fill); journaled at once, so the moved trigger is the one
armed and sent after the fill, even when TradeTerm was killed between the move and the fill."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import ClientOrderId, OrderStatus, Side
from core.domain.protection import HeldState, ProtectionLeg
from tests.unit.held_world import A1, HeldWorld, bracket, buy, close_world, open_world, until

STOP, TARGET = ProtectionLeg.STOP_LOSS, ProtectionLeg.TAKE_PROFIT
ROOT = Path(__file__).resolve().parents[2]


async def fill_entry(world: HeldWorld, entry_id: ClientOrderId) -> None:
    """Let the resting entry fill: raise its limit to the paper market's ask (the trader chasing it)."""
    entry = world.session.oms.get(entry_id)
    assert entry is not None
    _, paper_ask = world.paper_quote()
    await world.session.modify(entry_id, "10", paper_ask)
    await until(lambda: entry.status is OrderStatus.FILLED)


async def test_a_waiting_stop_moves_and_the_moved_trigger_is_armed_and_fires_after_the_fill(
        world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask - 1), bracket(str(ask - 5), str(ask + 5)))
    assert world.child(entry, STOP).state is HeldState.PENDING and entry.status is OrderStatus.ACCEPTED
    quote = world.session.quotes.latest("AAPL", A1)
    moved = world.session.protection.move(entry.client_order_id, STOP, ask - 2, quote)
    assert moved.state is HeldState.PENDING and moved.trigger == ask - 2
    assert {c.trigger for c in world.journal.load_held() if c.leg is STOP} == {ask - 2}, "journaled before the fill"

    await fill_entry(world, entry.client_order_id)
    await until(lambda: world.child(entry, STOP).state is HeldState.ARMED)
    assert world.child(entry, STOP).trigger == ask - 2
    world.tick(ask - Decimal("2.5"))  # through the moved stop; the first one (ask - 5) is untouched
    await until(lambda: world.child(entry, STOP).state is HeldState.TRIGGERED and bool(world.protective_orders()))
    (sent,) = world.protective_orders()
    assert sent.side is Side.SELL and sent.quantity.value == 10


async def test_a_waiting_child_is_checked_against_its_entry_not_the_market(world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask - 1), bracket(str(ask - 5), str(ask + 5)))
    quote = world.session.quotes.latest("AAPL", A1)
    with pytest.raises(ValueError, match=rf"stop-loss {ask - Decimal('0.5')} must be below the entry price "
                                         rf"{ask - 1}\. Move it there, or cancel the entry\."):
        world.session.protection.move(entry.client_order_id, STOP, ask - Decimal("0.5"), quote)
    assert world.child(entry, STOP).trigger == ask - 5, "unchanged"
    with pytest.raises(ValueError, match=rf"take-profit {ask - 2} must be above the entry price {ask - 1}"):
        world.session.protection.move(entry.client_order_id, TARGET, ask - 2, quote)
    # above the entry, below the market: the target waits for the fill, it does not fire at once
    moved = world.session.protection.move(entry.client_order_id, TARGET, ask - Decimal("0.5"), quote)
    assert moved.trigger == ask - Decimal("0.5") and moved.state is HeldState.PENDING
    assert world.protective_orders() == []


@pytest.mark.slow
async def test_a_kill_between_the_move_and_the_fill_keeps_the_moved_stop(tmp_path: Path) -> None:
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "tests.unit.held_move_crash_child", str(tmp_path)], cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr
    said = json.loads(done.stdout.splitlines()[-1])
    world = await open_world(tmp_path)
    try:
        entry_id = ClientOrderId(said["entry"])
        entry = world.session.oms.get(entry_id)
        assert entry is not None and entry.status is not OrderStatus.FILLED
        (stop,) = [c for c in world.session.protection.children(A1) if c.entry == entry_id and c.leg is STOP]
        assert stop.state is HeldState.PENDING and stop.trigger == Decimal(said["moved"]) != Decimal(said["first"])
        await until(lambda: entry.status is OrderStatus.ACCEPTED)  # restored UNKNOWN, then found at the broker
        await fill_entry(world, entry_id)
        await until(lambda: world.child(entry, STOP).state is HeldState.ARMED)
        assert world.child(entry, STOP).trigger == Decimal(said["moved"])
    finally:
        await close_world(world)
