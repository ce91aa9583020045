"""A reconnect's reconciliation answers the connect that follows it at once (a Kite login, then its panel's
connect), never a Connect the trader presses later, which checks the books afresh."""

from __future__ import annotations

import asyncio
from datetime import datetime

from core.services.session import TradingSession
from core.services.session_connections import OFFER_S
from tests.unit import paper_desk
from tests.unit.paper_desk import ACCOUNT

session = paper_desk.session_fixture()


class LaterClock:
    """The session's clock, its monotonic time moved on by `ahead` seconds."""

    def __init__(self, clock: object) -> None:
        self._clock = clock
        self.ahead = 0.0

    def now(self) -> datetime:
        return self._clock.now()  # type: ignore[attr-defined, no-any-return]

    def monotonic(self) -> float:
        return self._clock.monotonic() + self.ahead  # type: ignore[attr-defined, no-any-return]


async def reconnect_by_itself(session: TradingSession) -> object:
    """The adapter connects again on its own (as Kite's login does): the session reconciles that connection."""
    slot = session.account(ACCOUNT)
    await slot.adapter.disconnect()
    await slot.adapter.connect()
    for _ in range(200):
        if slot.reconciled is not None:
            return slot.reconciled[1]
        await asyncio.sleep(0.01)
    raise AssertionError("the reconnect was not reconciled")


async def test_the_connect_right_after_shares_the_reconnects_reconciliation(session: TradingSession) -> None:
    offered = await reconnect_by_itself(session)
    assert await session.connect(ACCOUNT) is offered, "one reconciliation, one list of differences"
    assert await session.connect(ACCOUNT) is not offered, "the next Connect checks afresh"


async def test_a_connect_pressed_later_checks_the_books_afresh(session: TradingSession) -> None:
    clock = LaterClock(session.clock)
    session.clock = clock  # type: ignore[assignment]
    offered = await reconnect_by_itself(session)
    clock.ahead = OFFER_S + 1
    assert await session.connect(ACCOUNT) is not offered


async def test_a_drop_during_a_reconciliation_is_reconciled_again_from_the_drop(session: TradingSession) -> None:
    """A reconciliation that began before the connection dropped does not answer the reconnect, does not put the
    account back to ACTIVE while it is down, and the reconnect's own reconciliation reads from the drop."""
    slot = session.account(ACCOUNT)
    run = session._reconciler.run
    gate = asyncio.Event()
    seen: list[object] = []

    async def held_first(adapter: object, lost_at: object, *args: object) -> object:
        seen.append(lost_at)
        report = await run(adapter, lost_at, *args)  # type: ignore[arg-type]
        if len(seen) == 1:
            await gate.wait()  # the broker's books were read; the link drops before the answer is acted on
        return report

    session._reconciler.run = held_first  # type: ignore[method-assign]
    first = asyncio.ensure_future(session.connect(ACCOUNT))  # connected already: reconcile now
    while not seen:
        await asyncio.sleep(0.01)
    await slot.adapter.disconnect()
    gate.set()
    await first
    assert slot.trading.value == "HALTED", "not ACTIVE on a connection that is down"
    assert slot.lost_at is not None, "the drop is kept for the reconnect's reconciliation"
    await slot.adapter.connect()
    for _ in range(300):
        if len(seen) == 2 and slot.trading.value == "ACTIVE":
            break
        await asyncio.sleep(0.01)
    assert len(seen) == 2 and seen[1] is not None, "the reconnect reconciled on its own, from the drop"
    assert slot.trading.value == "ACTIVE"
