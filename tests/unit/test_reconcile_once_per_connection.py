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
