"""The P&L curve's points: the journal's fills replayed (realised net of commissions + unrealised at the trade
prices), the day before the session collapsed into its first point, then live samples of the portfolio."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import AccountId, Fill, Quote, Side
from core.ports.history import Cursor, Page
from core.services import pnl_curve
from core.services.bus import EventBus
from core.services.clock import SystemClock
from core.services.pnl_curve import PnlCurve, PnlPoint, ReplayCancelled, replay_account, replayed_pnl
from core.services.portfolio import Portfolio
from core.storage import SqliteJournal
from core.storage.history_queries import HistoryReader
from tests.factories import ACCOUNT, make_fill, make_instrument

SINCE = datetime(2026, 12, 6, 0, 0, tzinfo=UTC)
OTHER = AccountId("OTHER")


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
    curve = PnlCurve(portfolio.totals, ACCOUNT, aapl.currency, [PnlPoint(SINCE, Decimal(0))])
    assert not curve.sample(SINCE + timedelta(minutes=1)), "no position: nothing new"
    portfolio.restore([make_fill(quantity="10", price="100", side=Side.BUY)])
    bus.publish_quotes([Quote(aapl.symbol, bid=Decimal("101"), ask=Decimal("101"), last=Decimal("101"),
                              source=ACCOUNT)])
    assert curve.sample(SINCE + timedelta(minutes=2))
    assert curve.latest == Decimal(10)
    assert not curve.sample(SINCE + timedelta(minutes=3)), "unchanged: no new point"
    assert [p.ts.minute for p in curve.points] == [0, 2]


def test_the_journal_replayed_page_by_page_gives_the_same_curve_per_currency(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    aapl, sap = make_instrument(), make_instrument("SAP", currency="EUR", multiplier="10")
    instruments = {aapl.symbol: aapl, sap.symbol: sap}
    fills = [make_fill(quantity=str(q), price=str(100 + n % 7), side=(Side.BUY, Side.SELL)[n % 2],
                       symbol=("AAPL", "SAP")[n % 3 == 0], commission="0.5", account_id=(ACCOUNT, OTHER)[n % 5 == 0],
                       ts=SINCE + timedelta(hours=-30 + n)) for n, q in enumerate(range(5, 65))]
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        for fill in fills:
            journal.record_fill(fill)
    monkeypatch.setattr(pnl_curve, "REPLAY_PAGE", 7)
    with HistoryReader(tmp_path / "journal.sqlite") as reader:
        replay = replay_account(reader, instruments, ACCOUNT, SINCE)
    for currency in ("USD", "EUR"):
        assert replay.points(currency) == replayed_pnl(fills, instruments, ACCOUNT, currency, SINCE)
        assert len(replay.points(currency)) > 1
    mine = [f for f in fills if f.account_id == ACCOUNT]
    assert replay.currencies == {"USD": sum(f.symbol == "AAPL" for f in mine),
                                 "EUR": sum(f.symbol == "SAP" for f in mine)}


def test_a_stopped_replay_reads_no_further() -> None:
    class Endless:
        pages = 0

        def fills_page(self, *args: object, **kwargs: object) -> Page[Fill]:
            self.pages += 1
            stop.set()
            return Page((), Cursor("x", self.pages))

    stop = threading.Event()
    history = Endless()
    with pytest.raises(ReplayCancelled):
        replay_account(history, {}, ACCOUNT, SINCE, stop)  # type: ignore[arg-type]
    assert history.pages == 1


def test_the_replay_goes_before_the_live_samples_already_taken() -> None:
    aapl = make_instrument()
    portfolio = Portfolio(EventBus(), {aapl.symbol: aapl}, SystemClock())
    curve = PnlCurve(portfolio.totals, ACCOUNT, aapl.currency, [PnlPoint(SINCE + timedelta(hours=12), Decimal(5))])
    curve.begin_with([PnlPoint(SINCE, Decimal(1)), PnlPoint(SINCE + timedelta(hours=11), Decimal(3)),
                      PnlPoint(SINCE + timedelta(hours=12), Decimal(4))])
    assert [p.pnl for p in curve.points] == [1, 3, 5], "the live figure wins from its first sample on"
