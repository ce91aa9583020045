"""Each broker's trading hours, through its real client against its simulator where the broker has an answer:
IB's contract details (liquidHours in timeZoneId: Tokyo's lunch break is two sessions), Alpaca's calendar (a
holiday has no session, its eve closes at 13:00), Kite's fixed NSE hours, OANDA's forex week; and what the
ticket reads of them: open or closed now, and the next close or open in the exchange's zone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.adapters.alpaca.adapter import AlpacaBroker
from core.adapters.alpaca.adapter import create as create_alpaca
from core.adapters.easytrader.hours import a_share_hours
from core.adapters.kite.hours import kite_hours
from core.adapters.oanda.hours import fx_hours
from core.domain import AccountId, Instrument
from core.domain.trading_hours import TradingHours
from tests.adapters import ib_desk
from tests.adapters.contract import EventRecorder
from tests.adapters.ib_desk import ACCOUNT, Desk
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_settings as alpaca_settings
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.symbols import ALL_LISTINGS

decoder_guard = ib_desk.decoder_guard
IST, NEW_YORK, TOKYO = ZoneInfo("Asia/Kolkata"), ZoneInfo("America/New_York"), ZoneInfo("Japan")
BEIJING = ZoneInfo("Asia/Shanghai")
INFY = Instrument("INFY", "NSE", "INR", Decimal("0.05"))
EURUSD = Instrument("EUR_USD", "OANDA", "USD", Decimal("0.00001"))


def local_spans(hours: TradingHours, zone: ZoneInfo) -> list[tuple[date, time, time]]:
    return [(s.opens.astimezone(zone).date(), s.opens.astimezone(zone).time(), s.closes.astimezone(zone).time())
            for s in hours.sessions]


# --- IB ------------------------------------------------------------------------------------------


@pytest.fixture(name="desk")
async def fixture_desk(tmp_path: Path) -> AsyncIterator[Desk]:
    sim = TwsSimulator(listings=ALL_LISTINGS, tick_interval_s=0.05)
    await sim.start()
    made = Desk(sim, tmp_path, symbols=["AAPL", "7203@TSEJ"])
    await made.session.connect(ACCOUNT)
    yield made
    await made.close()
    await sim.stop()


async def test_ib_gives_each_listings_regular_hours_in_its_exchanges_zone(desk: Desk) -> None:
    by_symbol = {i.symbol: i for i in desk.adapter.instruments()}
    now = datetime.now(UTC)
    aapl = await desk.adapter.trading_hours(by_symbol["AAPL"], now)
    assert aapl is not None and aapl.zone == "US/Eastern" and "liquid hours" in aapl.source
    spans = local_spans(aapl, NEW_YORK)
    assert spans and {(o, c) for _, o, c in spans} == {(time(9, 30), time(16))}
    assert {d.weekday() for d, _, _ in spans} <= {0, 1, 2, 3, 4}, "IB lists the weekend CLOSED"
    toyota = await desk.adapter.trading_hours(by_symbol["7203"], now)
    assert toyota is not None
    first_day = local_spans(toyota, TOKYO)[0][0]
    assert [(o, c) for d, o, c in local_spans(toyota, TOKYO) if d == first_day] == [
        (time(9), time(11, 30)), (time(12, 30), time(15, 30))], "Tokyo's lunch break: two sessions a day"


async def test_the_session_keeps_ib_hours_for_the_ticket(desk: Desk) -> None:
    hours = desk.session.view.trading_hours()
    aapl = next(i for i in desk.adapter.instruments() if i.symbol == "AAPL")
    assert hours.known(ACCOUNT, aapl) is None and hours.needs_load(ACCOUNT, aapl)
    loaded = await hours.load(ACCOUNT, aapl)
    assert hours.known(ACCOUNT, aapl) == loaded and not hours.needs_load(ACCOUNT, aapl)


# --- Alpaca ------------------------------------------------------------------------------------


@pytest.fixture(name="alpaca")
async def fixture_alpaca() -> AsyncIterator[AlpacaBroker]:
    sim = AlpacaSimulator()
    await sim.start()
    adapter = create_alpaca(AccountId("ALPACA-H"), alpaca_settings(sim), EventRecorder())
    await adapter.connect()
    yield adapter
    await adapter.disconnect()
    await sim.stop()


async def test_alpacas_calendar_leaves_out_christmas_and_closes_its_eve_at_one(alpaca: AlpacaBroker) -> None:
    aapl = next(i for i in alpaca.instruments() if i.symbol == "AAPL")
    hours = await alpaca.trading_hours(aapl, datetime(2026, 12, 21, 15, tzinfo=UTC))
    assert hours is not None and hours.source == "Alpaca's market calendar"
    spans = {d: (o, c) for d, o, c in local_spans(hours, NEW_YORK)}
    assert spans[date(2026, 12, 23)] == (time(9, 30), time(16)) and spans[date(2026, 12, 24)] == (time(9, 30),
                                                                                                  time(13))
    assert date(2026, 12, 25) not in spans
    christmas_noon = datetime(2026, 12, 25, 12, tzinfo=NEW_YORK)
    assert hours.summary(christmas_noon).endswith("closed · opens Mon 28 Dec 09:30 EST")


# --- Kite and OANDA (fixed hours: neither broker has an hours call) ------------------------------


def test_nse_is_open_from_0915_to_1530_ist_on_weekdays() -> None:
    monday_ten = datetime(2026, 12, 7, 10, tzinfo=IST)
    hours = kite_hours(INFY, monday_ten)
    assert hours is not None and hours.summary(monday_ten) == "NSE open · closes 15:30 IST"
    after = monday_ten.replace(hour=16)
    assert hours.summary(after) == "NSE closed · opens Tue 08 Dec 09:15 IST"
    saturday = datetime(2026, 12, 12, 11, tzinfo=IST)
    assert kite_hours(INFY, saturday).summary(saturday) == "NSE closed · opens Mon 14 Dec 09:15 IST"  # type: ignore[union-attr]
    assert "holidays are not known" in hours.note


def test_a_shares_trade_from_0930_to_1130_and_from_1300_to_1500_beijing_time_on_weekdays() -> None:
    """easytrader's accounts had no hours: an order at lunch or after 15:00 got no closed-market word."""
    pufa = Instrument("600000", "SSE", "CNY", Decimal("0.01"), lot_size=Decimal(100))
    monday_ten = datetime(2026, 12, 7, 10, tzinfo=BEIJING)
    hours = a_share_hours(pufa, monday_ten)
    assert hours is not None and hours.summary(monday_ten) == "SSE open · closes 11:30 CST"
    assert hours.summary(monday_ten.replace(hour=12)) == "SSE closed · opens 13:00 CST", "closed over lunch"
    assert hours.summary(monday_ten.replace(hour=14)) == "SSE open · closes 15:00 CST"
    assert hours.summary(monday_ten.replace(hour=16)) == "SSE closed · opens Tue 08 Dec 09:30 CST"
    saturday = datetime(2026, 12, 12, 10, tzinfo=BEIJING)
    assert a_share_hours(pufa, saturday).summary(saturday) == "SSE closed · opens Mon 14 Dec 09:30 CST"  # type: ignore[union-attr]
    assert a_share_hours(Instrument("000001", "SZSE", "CNY", Decimal("0.01")), saturday) is not None
    assert a_share_hours(INFY, monday_ten) is None, "not an A-share exchange"


def test_forex_trades_from_sunday_evening_to_friday_evening_new_york() -> None:
    saturday = datetime(2026, 12, 12, 12, tzinfo=NEW_YORK)
    hours = fx_hours(EURUSD, saturday)
    assert not hours.state_at(saturday).is_open
    assert hours.summary(saturday) == "FX closed · opens Sun 13 Dec 17:00 EST"
    wednesday = datetime(2026, 12, 9, 3, tzinfo=NEW_YORK)
    state = hours.state_at(wednesday)
    assert state.is_open and state.next_close == datetime(2026, 12, 11, 17, tzinfo=NEW_YORK)
    assert hours.state_at(saturday - timedelta(hours=20)).is_open, "Friday before 17:00 New York still trades"
