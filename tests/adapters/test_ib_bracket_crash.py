"""A native IB bracket and the app killed (SIGKILL) around its send: on restart no leg is sent twice.

The child process is tests/adapters/ib_crash_child.py ("bracket"); the simulator keeps its books across its death.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.ib.adapter import IbBroker
from core.domain import Order, OrderStatus, TradingState
from core.domain.protection import ProtectionLeg, child_order_id
from core.services.bus import EventBus
from core.services.reconciliation import NEVER_SENT, ReconciliationReport
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters import ib_desk
from tests.adapters.ib_crash_child import ACCOUNT, CrashPoint, ib_config
from tests.adapters.test_ib_crash import kill_child_at, until
from tests.sims.tws import TwsSimulator

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(tick_interval_s=0.05)


class Back:
    """A new session on the dead child's data dir, connected to the same simulator."""

    def __init__(self, tmp_path: Path, sim: TwsSimulator) -> None:
        self.journal = SqliteJournal(tmp_path / "journal.sqlite")
        self.session = TradingSession(EventBus(), self.journal)
        self.adapter = IbBroker(ACCOUNT, ib_config(sim.port), self.session.bus.publish)
        self.session.add_account(self.adapter)
        self.session.restore()

    def legs(self) -> tuple[Order, Order, Order]:
        (entry,) = [o for o in self.session.oms.orders() if str(o.client_order_id).startswith("T")]
        stop = self.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.STOP_LOSS))
        target = self.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.TAKE_PROFIT))
        assert stop is not None and target is not None, "every leg was journaled with the entry"
        return entry, stop, target

    async def connect(self) -> ReconciliationReport:
        return await self.session.connect(ACCOUNT)

    async def close(self) -> None:
        await self.session.close()
        self.journal.close()


@pytest.fixture
async def back(sim: TwsSimulator, tmp_path: Path) -> AsyncIterator[list[Back]]:
    made: list[Back] = []
    yield made
    for one in made:
        await one.close()


def refs_at_ib(sim: TwsSimulator) -> list[str]:
    return sorted(o.order_ref for o in sim.book.every_order())


@pytest.mark.slow
async def test_killed_after_the_bracket_is_journaled_sends_no_leg_on_restart(
    sim: TwsSimulator, tmp_path: Path, back: list[Back]
) -> None:
    await kill_child_at(sim, tmp_path, CrashPoint.AFTER_COMMIT, "bracket")
    assert sim.book.every_order() == [], "the child died before sending"
    back.append(Back(tmp_path, sim))
    legs = back[0].legs()
    assert [o.status for o in legs] == [OrderStatus.UNKNOWN] * 3, "all three were in flight at the crash"
    report = await back[0].connect()
    assert all(o.status is OrderStatus.CANCELED and o.reason == NEVER_SENT for o in legs)
    assert report.ok and back[0].session.account(ACCOUNT).trading is TradingState.ACTIVE
    await asyncio.sleep(0.2)
    assert sim.book.every_order() == [], "IB never had the bracket: no leg is resent"


@pytest.mark.slow
async def test_killed_after_the_bracket_left_the_socket_adopts_each_leg_once(
    sim: TwsSimulator, tmp_path: Path, back: list[Back]
) -> None:
    await kill_child_at(sim, tmp_path, CrashPoint.AFTER_SEND, "bracket")
    back.append(Back(tmp_path, sim))
    entry, stop, target = back[0].legs()
    report = await back[0].connect()
    assert refs_at_ib(sim) == sorted(str(o.client_order_id) for o in (entry, stop, target))
    assert [o.status for o in (entry, stop, target)] == [OrderStatus.ACCEPTED] * 3, "adopted as IB works them"
    assert report.ok
    await asyncio.sleep(0.2)
    assert len(sim.book.every_order()) == 3, "nothing resent after the restart"
    await back[0].session.cancel(entry.client_order_id)  # IB cancels the children with it; our books follow
    await until(lambda: all(o.status is OrderStatus.CANCELED for o in (entry, stop, target)), "the legs to cancel")
    assert entry.filled_qty == Decimal(0)
