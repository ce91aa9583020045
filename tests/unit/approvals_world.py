"""A real session (paper broker, SQLite journal) with the approval queue, on a settable clock."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, LogMessage, OrderRequest, OrderType, Quote, Side, StrategyId
from core.domain.signal import SignalInfo
from core.services.approvals import ApprovalQueue
from core.services.bus import EventBus
from core.services.risk import RiskConfig, RiskLimits
from core.services.session import TradingSession
from core.services.strategies import StrategyConfig, StrategyRegistry
from core.storage.idempotency import IdempotencyStore
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")
STRATEGY = StrategyId("momo")


@dataclass
class SettableClock:
    """Wall time that starts now and moves only when told (quotes from the paper market stay fresh)."""

    start: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


class LiveClock(SettableClock):
    """Real wall time plus whatever `advance` added (for servers that run while time passes)."""

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return time.monotonic() + self.seconds


@dataclass
class World:
    clock: SettableClock
    bus: EventBus
    journal: SqliteJournal
    session: TradingSession
    broker: PaperBroker
    queue: ApprovalQueue
    strategies: StrategyRegistry
    store: IdempotencyStore
    logs: list[LogMessage]

    def ask(self, symbol: str = "AAPL") -> Decimal:
        quote = self.session.quotes.latest(symbol, ACCOUNT)
        assert quote is not None and quote.ask is not None
        return quote.ask

    def move(self, symbol: str, bid: str, ask: str) -> None:
        """Publish a quote as a market data feed would (the risk engine and the queue see it)."""
        self.bus.publish(Quote(symbol, Decimal(bid), Decimal(ask), Decimal(ask), ts=self.clock.now(), source=ACCOUNT))

    def request(self, qty: str = "10", price: str | None = None, symbol: str = "AAPL", side: Side = Side.BUY,
                order_type: OrderType = OrderType.LIMIT) -> OrderRequest:
        limit = price if price is not None else (str(self.ask(symbol)) if order_type.needs_limit else None)
        return OrderRequest(ACCOUNT, symbol, side, qty, order_type, limit_price=limit)

    def signal(self, age_s: float = 1.0, strategy: StrategyId = STRATEGY, price: Decimal | None = None) -> SignalInfo:
        return SignalInfo(strategy, self.clock.now() - timedelta(seconds=age_s), price)

    async def close(self) -> None:
        await self.queue.stop()
        await self.session.close()
        self.journal.close()
        self.store.close()


async def make_world(tmp_path: Path, limits: RiskLimits | None = None, clock: SettableClock | None = None,
                     restore: bool = False, configs: list[StrategyConfig] | None = None) -> World:
    clock = clock or SettableClock()
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, clock=clock,
                             risk=RiskConfig(limits or RiskLimits(collar_pct=Decimal(1), max_order_qty=Decimal(1000))))
    config = PaperConfig(tick_interval_s=60, fee_bps=Decimal(0), state_path=str(tmp_path / "paper.json"))
    broker = PaperBroker(ACCOUNT, config, bus.publish, clock=clock)
    session.add_account(broker)
    logs: list[LogMessage] = []
    bus.subscribe(LogMessage, logs.append)
    strategies = StrategyRegistry(started_at=clock.now() - timedelta(hours=1))
    for config in configs or []:
        strategies.put(config)
    store = IdempotencyStore(tmp_path / "strategy_api.sqlite")
    queue = ApprovalQueue(session, strategies, store)
    if restore:
        session.restore()
        queue.restore()
    await session.connect(ACCOUNT)
    return World(clock, bus, journal, session, broker, queue, strategies, store, logs)
