"""The paper market as a trader reads it: the last print lies within the bid/ask, and volume outlives a restart."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

from core.adapters.paper.adapter import TICK_SLICE, PaperBroker
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


def test_a_tick_stepped_in_slices_quotes_every_instrument_at_the_prices_of_one_step() -> None:
    """A paper account listing many instruments steps them a slice a turn: the quotes are the same as in one go."""
    extra = [dataclasses.replace(DEFAULT_INSTRUMENTS[0], symbol=f"S{k:04d}") for k in range(1, 1001)]
    listed = [*DEFAULT_INSTRUMENTS, *extra]
    prices = {**START_PRICES, **{i.symbol: Decimal("50.00") for i in extra}}
    whole, sliced = Market(listed, prices, seed=3), Market(listed, prices, seed=3)
    for _ in range(5):
        expected = whole.step()
        got = [q for start in range(0, len(listed), TICK_SLICE) for q in sliced.step(start, start + TICK_SLICE)]
        assert [(q.symbol, q.bid, q.ask, q.last, q.volume) for q in got] == \
               [(q.symbol, q.bid, q.ask, q.last, q.volume) for q in expected]
    assert whole.mids() == sliced.mids()


def test_a_shift_of_the_market_shows_in_its_next_quote_and_mid() -> None:
    """The market keeps its quote until the book moves; a simulator's news spike (OANDA's `move`) wrote the book's
    level directly and the stale quote stayed, so a market order filled at the price before the spike."""
    market = Market(DEFAULT_INSTRUMENTS, START_PRICES, seed=7, step_bps=Decimal(20))
    before, mid = market.quote("AAPL"), market.mids()["AAPL"]
    assert before.bid is not None
    market.shift("AAPL", 300)
    after = market.quote("AAPL")
    assert after.bid is not None and after.bid - before.bid == 300 * Decimal("0.01")
    assert market.mids()["AAPL"] - mid == 300 * Decimal("0.01")
