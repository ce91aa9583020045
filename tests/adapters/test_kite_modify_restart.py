"""Kite: a change (modify) whose answer died with the process is settled from Kite's order book on restart.

The process's death is played in-process: the session's modify is abandoned (CancelledError, as when the
loop dies) before the request leaves, or after Kite applied it with every answer unheard, and the session
is closed without another journal write. Its journal then holds what a SIGKILL would leave: the change
asked, PENDING_REPLACE, no answer. A new session on the same journal connects to the same simulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId, Event, Order, OrderRequest, OrderStatus, OrderType, Price, Quantity, Side
from core.services.bus import EventBus
from core.services.replace_resolution import MODIFY_NOT_APPLIED
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_credentials, sim_settings

KITE = AccountId("KITE-1")
NO_COLLAR = RiskConfig(accounts={"KITE-1": {"collar_pct": None}})


@pytest.fixture
async def sim() -> AsyncIterator[KiteSimulator]:
    simulator = KiteSimulator(tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


class DiesDuringModify(KiteBroker):
    """The real KiteBroker in a process that dies as its change leaves (sent: False) or after Kite applied it."""

    sent = False
    deaf = False

    async def modify(self, order: Order, quantity: Quantity, limit_price: Price | None,
                     stop_price: Price | None) -> None:
        DiesDuringModify.deaf = True
        if self.sent:
            await super().modify(order, quantity, limit_price, stop_price)
        raise asyncio.CancelledError  # the process is gone: nothing after this point runs


@dataclass
class Opened:
    session: TradingSession
    journal: SqliteJournal


async def open_session(tmp_path: Path, sim: KiteSimulator, adapter_class: type[KiteBroker]) -> Opened:
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=NO_COLLAR)

    def sink(event: Event) -> None:
        if not DiesDuringModify.deaf:
            bus.publish(event)

    settings = KiteConfig.from_mapping(sim_settings(sim, ticker=False))
    session.add_account(adapter_class(KITE, settings, sink, sim_credentials(sim)))
    session.restore()
    report = await session.connect(KITE)
    assert report.ok, report.differences
    return Opened(session, journal)


async def die_during_modify(tmp_path: Path, sim: KiteSimulator, sent: bool) -> tuple[Decimal, Decimal]:
    """Place a resting BUY 10 INFY, change it to 20 at a lower price, die; return the old and new limit."""
    DiesDuringModify.sent, DiesDuringModify.deaf = sent, False
    first = await open_session(tmp_path, sim, DiesDuringModify)
    bid = sim.exchange.market.quote("INFY").bid
    assert bid is not None
    tick = Decimal("0.05")
    old = (bid * Decimal("0.9") / tick).to_integral_value() * tick
    order = await first.session.submit(OrderRequest(KITE, "INFY", Side.BUY, "10", OrderType.LIMIT, str(old)))
    assert order.status is OrderStatus.ACCEPTED, order.reason
    new = old - Decimal("0.50")
    with pytest.raises(asyncio.CancelledError):
        await first.session.modify(order.client_order_id, "20", new)
    await first.session.close()  # the adapter's goodbye is unheard; the journal is written no more
    first.journal.close()
    DiesDuringModify.deaf = False
    return old, new


@pytest.mark.slow
@pytest.mark.parametrize("sent", [False, True], ids=["before_send", "after_send"])
async def test_a_modify_cut_by_a_crash_is_settled_from_kites_order_on_restart(
    tmp_path: Path, sim: KiteSimulator, sent: bool
) -> None:
    old, new = await die_during_modify(tmp_path, sim, sent)
    journaled = SqliteJournal(tmp_path / "journal.sqlite")
    try:
        assert [o.status for o in journaled.load().orders] == [OrderStatus.PENDING_REPLACE]
    finally:
        journaled.close()
    back = await open_session(tmp_path, sim, KiteBroker)
    try:
        (order,) = back.session.oms.orders()
        (kite,) = [o for o in sim.exchange.order_list() if o.get("tag") == str(order.client_order_id)]
        expected = (Decimal(20), new) if sent else (Decimal(10), old)
        assert (Decimal(kite["quantity"]), Decimal(str(kite["price"]))) == expected, "what Kite works"
        assert order.status is OrderStatus.ACCEPTED, "settled, not left changing forever"
        assert (order.quantity.value, order.limit_price) == (expected[0], Price(expected[1])), \
            "TradeTerm shows what Kite works"
        assert (order.reason == MODIFY_NOT_APPLIED) is not sent
        share = back.session.oms.working_index.share(order.client_order_id)
        assert share is not None and share.leaves == expected[0], "risk counts what Kite works"
    finally:
        await back.session.close()
        back.journal.close()
