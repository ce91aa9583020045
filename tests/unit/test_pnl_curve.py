"""The P&L curve's points: the journal's fills replayed (realised net of commissions + unrealised at the trade
prices), the day before the session collapsed into its first point, then live samples of the portfolio."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.domain import Quote, Side
from core.services.bus import EventBus
from core.services.clock import SystemClock
from core.services.pnl_curve import PnlCurve, PnlPoint, replayed_pnl
from core.services.portfolio import Portfolio
from tests.factories import ACCOUNT, make_fill, make_instrument

SINCE = datetime(2026, 12, 6, 0, 0, tzinfo=UTC)


def test_fills_replay_into_the_sessions_course_from_where_the_account_stood() -> None:
    aapl = make_instrument()
    instruments = {aapl.symbol: aapl}
    fills = [
        make_fill(quantity="10", price="100", side=Side.BUY, ts=SINCE - timedelta(hours=20)),  # yesterday
        make_fill(quantity="10", price="103", side=Side.BUY, commission="1", ts=SINCE + timedelta(hours=10)),
        make_fill(quantity="20", price="101", side=Side.SELL, commission="1", ts=SINCE + timedelta(hours=11)),
        make_fill(quantity="5", price="50", side=Side.BUY, ts=SINCE, account_id="OTHER"),
    ]
    points = replayed_pnl(reversed(fills), instruments, ACCOUNT, aapl.currency, SINCE)
    assert aapl.multiplier == 1
    assert points == [
        PnlPoint(SINCE, Decimal(0)),  # yesterday's buy, marked at its own price
        PnlPoint(SINCE + timedelta(hours=10), Decimal(30 - 1)),  # 20 at 101.50 marked at 103, less 1 commission
        PnlPoint(SINCE + timedelta(hours=11), Decimal(-10 - 2)),  # sold 20 at 101 against 101.50: flat
    ]


def test_live_samples_add_a_point_only_when_the_figure_changes() -> None:
    aapl = make_instrument()
    bus = EventBus()
    portfolio = Portfolio(bus, {aapl.symbol: aapl}, SystemClock())
    curve = PnlCurve(portfolio, ACCOUNT, aapl.currency, [PnlPoint(SINCE, Decimal(0))])
    assert not curve.sample(SINCE + timedelta(minutes=1)), "no position: nothing new"
    portfolio.restore([make_fill(quantity="10", price="100", side=Side.BUY)])
    bus.publish_quotes([Quote(aapl.symbol, bid=Decimal("101"), ask=Decimal("101"), last=Decimal("101"),
                              source=ACCOUNT)])
    assert curve.sample(SINCE + timedelta(minutes=2))
    assert curve.latest == Decimal(10)
    assert not curve.sample(SINCE + timedelta(minutes=3)), "unchanged: no new point"
    assert [p.ts.minute for p in curve.points] == [0, 2]
