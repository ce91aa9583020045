"""A session with the real paper broker and the real SQLite journal, for the protective orders' tests (brackets,
OCO, OTO, trailing stops): the `world` fixture they share (tests/unit/conftest.py offers it) and its helpers.

The paper market ticks once a minute only, so the prices a test publishes on the account's own feed are the
ones the held children see (the paper broker still fills at its own market); `walk` ticks the paper market
itself where a test needs the broker's own prices to move.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, LogMessage, Order, OrderOrigin, OrderRequest, OrderType, Quote, Side
from core.domain.protection import Bracket, HeldChild, HeldState, ProtectionLeg
from core.services.bus import EventBus
from core.services.risk import RiskConfig, RiskLimits
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

A1 = AccountId("PAPER-1")


@dataclass
class HeldWorld:
    session: TradingSession
    broker: PaperBroker
    journal: SqliteJournal
    bus: EventBus
    logs: list[LogMessage]

    def ask(self, symbol: str = "AAPL") -> Decimal:
        quote = self.session.quotes.latest(symbol, A1)
        assert quote is not None and quote.ask is not None
        return quote.ask

    def tick(self, bid: Decimal, ask: Decimal | None = None, symbol: str = "AAPL") -> None:
        """Publish a quote on the account's own feed."""
        self.bus.publish_quotes([Quote(symbol, bid=bid, ask=ask if ask is not None else bid + Decimal("0.01"),
                                       source=A1)])

    def child(self, entry: Order, leg: ProtectionLeg) -> HeldChild:
        (found,) = [c for c in self.session.protection.children(A1) if c.entry == entry.client_order_id
                    and c.leg is leg]
        return found

    def protective_orders(self) -> list[Order]:
        return [o for o in self.session.oms.orders(A1) if o.origin is OrderOrigin.PROTECTIVE]

    def position(self, symbol: str = "AAPL") -> Decimal:
        position = self.session.portfolio.position(A1, symbol)
        return Decimal(0) if position is None else position.quantity

    def paper_quote(self, symbol: str = "AAPL") -> tuple[Decimal, Decimal]:
        """Return the paper broker's own bid and ask (what it fills at), not the feed a test published."""
        quote = self.broker._market.quote(symbol)
        assert quote.bid is not None and quote.ask is not None
        return quote.bid, quote.ask

    def paper_bid(self, symbol: str = "AAPL") -> Decimal:
        return self.paper_quote(symbol)[0]

    def journaled_states(self) -> dict[tuple[str, ProtectionLeg], tuple[HeldState, Decimal]]:
        return {(str(c.entry), c.leg): (c.state, c.quantity) for c in self.journal.load_held()}


async def open_world(tmp_path: Path, *, limits: RiskLimits | None = None, partial_fills: bool = False,
                     journal: SqliteJournal | None = None) -> HeldWorld:
    bus = EventBus()
    journal = journal or SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig(limits or RiskLimits()))
    logs: list[LogMessage] = []
    bus.subscribe(LogMessage, logs.append)
    config = PaperConfig(tick_interval_s=60, state_path=str(tmp_path / f"{A1}.json"), partial_fills=partial_fills)
    broker = PaperBroker(A1, config, bus.publish)
    session.add_account(broker)
    session.restore()
    await session.connect(A1)
    return HeldWorld(session, broker, journal, bus, logs)


async def close_world(world: HeldWorld) -> None:
    await world.session.close()
    world.journal.close()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[HeldWorld]:
    """A connected paper account over a fresh journal in tmp_path, closed after the test."""
    w = await open_world(tmp_path)
    yield w
    await close_world(w)


async def until(condition: Callable[[], bool]) -> None:
    """Let the loop run until condition holds (the broker's reports arrive on it); fail after a few seconds."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


def buy(qty: str = "10", price: Decimal | None = None, order_type: OrderType = OrderType.LIMIT) -> OrderRequest:
    return OrderRequest(A1, "AAPL", Side.BUY, qty, order_type, limit_price=price)


def bracket(stop: str | None, target: str | None) -> Bracket:
    return Bracket(None if stop is None else Decimal(stop), None if target is None else Decimal(target))
