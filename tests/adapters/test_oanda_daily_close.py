"""An OANDA pair's previous close (for the watchlist's Chg and Chg %): OANDA's daily candles at 17:00 New York, read
when the pair is subscribed and after each roll, never per quote; without them prices flow as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.adapters.oanda.adapter import OandaBroker, create
from core.adapters.oanda.daily_close import fx_day_start, next_roll, previous_close
from core.domain import AccountId, Quote
from tests.adapters.contract import EventRecorder
from tests.sims.oanda.candles import mid_at
from tests.sims.oanda.server import OandaSimulator
from tests.sims.oanda.testing import sim_fixture, sim_settings

sim = sim_fixture()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def candle(start: str, close: str, complete: bool = True) -> dict[str, object]:
    """A daily candle as OANDA's GET /v3/instruments/EUR_USD/candles?price=M lists it."""
    return {"complete": complete, "volume": 81234, "time": f"{start}.000000000Z",
            "mid": {"o": "1.08400", "h": "1.08810", "l": "1.08220", "c": close}}


def previous_day_end(now: datetime) -> datetime:
    """When the FX day before the one shown at now ended (the moment its close was made)."""
    return next_roll(fx_day_start(fx_day_start(now) - timedelta(seconds=1)))


@pytest.fixture
async def events() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
async def broker(sim: OandaSimulator, events: EventRecorder) -> AsyncIterator[OandaBroker]:
    adapter = create(AccountId("OANDA-T"), sim_settings(sim), events)
    await adapter.connect()
    yield adapter
    await adapter.disconnect()


def test_the_fx_day_rolls_at_five_pm_new_york_and_the_weekend_shows_fridays_day() -> None:
    # Monday 7 December 2026 (EST: 17:00 New York is 22:00 UTC)
    assert fx_day_start(utc("2026-12-07T17:30")) == utc("2026-12-06T22:00"), "Monday's day began Sunday 17:00"
    assert fx_day_start(utc("2026-12-08T21:59")) == utc("2026-12-07T22:00")
    assert fx_day_start(utc("2026-12-08T22:00")) == utc("2026-12-08T22:00"), "the roll is at 17:00 sharp"
    for weekend in ("2026-12-11T22:00", "2026-12-12T12:00", "2026-12-13T21:59"):  # Friday 17:00 .. Sunday 16:59
        assert fx_day_start(utc(weekend)) == utc("2026-12-10T22:00"), f"{weekend}: Friday's day, from Thursday"
    assert fx_day_start(utc("2026-12-13T22:00")) == utc("2026-12-13T22:00"), "Sunday 17:00 opens the week"
    assert next_roll(utc("2026-12-07T17:30")) == utc("2026-12-07T22:00")
    assert next_roll(utc("2026-12-07T22:00")) == utc("2026-12-08T22:00")
    # daylight saving time began on Sunday 8 March 2026: 17:00 New York is 21:00 UTC from then
    assert fx_day_start(utc("2026-03-09T12:00")) == utc("2026-03-08T21:00")
    assert next_roll(utc("2026-03-06T23:00")) == utc("2026-03-07T22:00")
    assert next_roll(utc("2026-03-07T23:00")) == utc("2026-03-08T21:00")


def test_the_previous_close_is_the_mid_close_of_the_complete_day_before_the_one_shown() -> None:
    # OANDA's answer on Tuesday: Friday's day (from Thursday 17:00), Monday's (from Sunday 17:00), Tuesday's so far
    tuesday = [candle("2026-12-03T22:00:00", "1.08020"), candle("2026-12-06T22:00:00", "1.08391"),
               candle("2026-12-07T22:00:00", "1.08545", complete=False)]
    assert previous_close(tuesday, fx_day_start(utc("2026-12-08T15:00"))) == Decimal("1.08391")
    # just after the roll, before the new day's first price: no candle of it yet, the one just ended is the close
    assert previous_close(tuesday[:2], fx_day_start(utc("2026-12-07T22:00:01"))) == Decimal("1.08391")
    # OANDA's clock a moment short of the roll: the day just ended is not complete there, so not a close yet
    ending = [candle("2026-12-03T22:00:00", "1.08020"), candle("2026-12-06T22:00:00", "1.08391", complete=False)]
    assert previous_close(ending, fx_day_start(utc("2026-12-07T22:00:01"))) is None
    # Saturday: no candle since Friday 17:00; the change shown is Friday's, from Thursday's close
    saturday = [candle("2026-12-08T22:00:00", "1.08700"), candle("2026-12-09T22:00:00", "1.08811"),
                candle("2026-12-10T22:00:00", "1.09012")]
    assert previous_close(saturday, fx_day_start(utc("2026-12-12T15:00"))) == Decimal("1.08811")
    assert previous_close([], fx_day_start(utc("2026-12-12T15:00"))) is None
    assert previous_close([{"time": "2026-12-03T22:00:00.000000000Z", "complete": True}],
                          utc("2026-12-07T22:00")) is None, "a candle without mid prices gives no close"


async def test_a_subscribed_pairs_quotes_carry_its_previous_close_from_oandas_daily_candles(
    sim: OandaSimulator, broker: OandaBroker, events: EventRecorder
) -> None:
    now = datetime.now(UTC)
    await broker.subscribe(broker.instruments())
    closes = {}
    for pair in ("EUR_USD", "USD_JPY", "GBP_USD"):
        quote = await events.wait_for(Quote, lambda q, p=pair: q.symbol == p and q.close is not None)
        assert quote.close == mid_at(sim.exchange, pair, previous_day_end(now)), pair
        assert quote.bid is not None and quote.ask is not None
        assert quote.last is None and quote.volume is None, "no made-up trade price or volume for FX"
        closes[pair] = quote.close
    asked = {r["instrument"]: r for r in sim.candle_requests}
    assert set(asked) == {"EUR_USD", "USD_JPY", "GBP_USD"}
    assert {k: v for k, v in asked["EUR_USD"].items() if k != "count"} == {
        "instrument": "EUR_USD", "granularity": "D", "price": "M", "dailyAlignment": "17",
        "alignmentTimezone": "America/New_York"}
    # every later quote carries it, and OANDA is not asked again per quote
    seen = len(events.of_type(Quote))
    await events.wait_for(Quote, lambda _: len(events.of_type(Quote)) > seen + 30)
    later = events.of_type(Quote)[seen:]
    assert {q.symbol for q in later} == set(closes)
    assert all(q.close == closes[q.symbol] for q in later)
    assert len(sim.candle_requests) == 3, "one request per pair, not one per quote"


async def test_without_oandas_candles_prices_flow_and_the_close_comes_once_they_answer(
    sim: OandaSimulator, broker: OandaBroker, events: EventRecorder
) -> None:
    sim.candles_down = True
    euro, yen = (next(i for i in broker.instruments() if i.symbol == s) for s in ("EUR_USD", "USD_JPY"))
    await broker.subscribe([euro])
    await events.wait_for(Quote, lambda q: q.symbol == "EUR_USD" and len(events.of_type(Quote)) > 10)
    assert sim.candle_requests, "the close was asked"
    assert all(q.close is None for q in events.of_type(Quote)), "no close while OANDA's candles are down"
    sim.candles_down = False
    await broker.subscribe([yen])  # a pair subscribed: the euro's close, missing, is asked again too
    quote = await events.wait_for(Quote, lambda q: q.symbol == "EUR_USD" and q.close is not None)
    assert quote.close == mid_at(sim.exchange, "EUR_USD", previous_day_end(datetime.now(UTC)))
