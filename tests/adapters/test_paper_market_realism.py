"""The paper market as a trader reads it: the last print lies within the bid/ask, and volume outlives a restart."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.adapters.paper.instruments import DEFAULT_INSTRUMENTS, START_PRICES
from core.adapters.paper.market import Market
from core.domain import AccountId, Event


def test_the_last_price_never_lies_outside_the_bid_and_ask() -> None:
    market = Market(DEFAULT_INSTRUMENTS, START_PRICES, seed=7, step_bps=Decimal(20))
    outside = []
    for step in range(2000):
        for quote in market.step():
            assert quote.bid is not None and quote.ask is not None and quote.last is not None
            if not quote.bid <= quote.last <= quote.ask:
                outside.append((step, quote.symbol, quote.bid, quote.last, quote.ask))
    assert outside == []


def test_session_volume_and_the_previous_close_carry_on_after_a_restart(tmp_path: Path) -> None:
    events: list[Event] = []
    config = PaperConfig(state_path=str(tmp_path / "PAPER-1.json"))
    broker = PaperBroker(AccountId("PAPER-1"), config, events.append)
    for _ in range(50):
        broker._tick()  # fifty market ticks, without waiting fifty tick intervals
    traded = broker._market.quote("AAPL")
    assert traded.volume is not None and traded.volume > 0
    broker._save(whole=True)  # as disconnect does
    again = PaperBroker(AccountId("PAPER-1"), config, events.append)
    restarted = again._market.quote("AAPL")
    assert restarted.volume == traded.volume, "Volume restarts at zero only with a new trading day"
    assert restarted.close == traded.close
