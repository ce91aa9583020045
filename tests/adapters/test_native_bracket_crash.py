"""Native Alpaca and OANDA brackets and the app killed (SIGKILL) around their send: on restart no leg is sent twice
or lost. The child is tests/adapters/native_crash_child.py; the simulator keeps its books across its death."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.domain import OrderStatus
from tests.adapters.native_crash_check import Simulator, kill_child, restart_and_check, sent
from tests.adapters.native_crash_child import NativePoint
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.oanda.server import OandaSimulator


@pytest.fixture(params=["alpaca", "oanda"])
async def sim(request: pytest.FixtureRequest) -> AsyncIterator[Simulator]:
    simulator: Simulator = AlpacaSimulator(tick_interval_s=0.05) if request.param == "alpaca" else \
        OandaSimulator(tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.mark.slow
@pytest.mark.parametrize("point", list(NativePoint))
async def test_killed_around_the_send_no_leg_is_sent_twice_or_lost(
    sim: Simulator, tmp_path: Path, point: NativePoint
) -> None:
    assert await kill_child(sim, tmp_path, point) == -signal.SIGKILL, f"the child never reached {point.value}"
    assert sent(sim) == (0 if point is NativePoint.AFTER_COMMIT else 1)
    problem, legs = await restart_and_check(sim, tmp_path, point)
    assert problem == "", problem
    want = OrderStatus.CANCELED
    assert [o.status for o in legs] == [want] * 3, "each leg ended (never sent, or cancelled with its entry)"
    assert sent(sim) == (0 if point is NativePoint.AFTER_COMMIT else 1), "nothing was sent again"
