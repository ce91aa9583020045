"""The P&L dock on a long journal: the window keeps answering while the account's fills are replayed (the dock
says Loading…), then the curve starts from the P&L the account carried into today."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDockWidget

from core.domain import AccountId, Side
from core.services import pnl_curve
from core.storage import SqliteJournal
from core.storage.history_queries import HistoryReader
from core.storage.paths import JOURNAL_FILE
from gui.controllers.pnl_curve import PnlCurveDocks
from gui.widgets.pnl_curve import PnlCurveView
from tests.e2e.window_helpers import open_window, until, write_paper_settings
from tests.factories import make_fill

ACCOUNT = AccountId("PAPER-1")
ROUND_TRIPS = 500
PAGE = 100  # 1,000 fills: ten of the replay's pages


def _write_history(data_dir: Path) -> None:
    """Yesterday: ROUND_TRIPS times bought 10 AAPL at 100 and sold them at 101 (+10 each), flat at the end."""
    yesterday = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    with SqliteJournal(data_dir / JOURNAL_FILE) as journal:
        for n in range(ROUND_TRIPS):
            ts = (yesterday + timedelta(seconds=n)).astimezone(UTC)
            journal.record_fill(make_fill(quantity="10", price="100", side=Side.BUY, account_id=ACCOUNT, ts=ts))
            journal.record_fill(make_fill(quantity="10", price="101", side=Side.SELL, account_id=ACCOUNT,
                                          ts=ts + timedelta(milliseconds=500)))


@pytest.mark.slow
async def test_the_window_answers_while_the_journal_is_replayed_and_the_curve_starts_where_the_account_stood(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_paper_settings(tmp_path)
    _write_history(tmp_path)
    pages: list[int] = []  # the thread each page was read in
    resume = threading.Event()
    read_page = HistoryReader.fills_page

    def held_after_first_page(self: HistoryReader, *args: Any, **kwargs: Any) -> Any:
        pages.append(threading.get_ident())
        if len(pages) == 2:  # the replay is under way: hold it here until the test has seen the window answer
            resume.wait(30)
        return read_page(self, *args, **kwargs)

    monkeypatch.setattr(HistoryReader, "fills_page", held_after_first_page)
    monkeypatch.setattr(pnl_curve, "REPLAY_PAGE", PAGE)
    async with open_window(tmp_path) as window:
        window.findChild(QDockWidget, "dock.pnlCurve").raise_()  # tabbed behind the fills: built when raised
        await until(lambda: window.findChild(PnlCurveView, "pnlCurveView") is not None, "the P&L curve")
        view = window.findChild(PnlCurveView, "pnlCurveView")
        try:
            await until(lambda: len(pages) == 2, "the replay past its first page")
            assert view.latest.text() == "Loading…", "the dock says it is still loading"
            assert threading.get_ident() not in pages, "the fills are read off the GUI thread"
            docks = next(k for k in window.keep_alive if isinstance(k, PnlCurveDocks))
            live = docks.curve(str(ACCOUNT), "USD").points
            assert [p.pnl for p in live] == [Decimal(5_000)], "the live samples run meanwhile (the restored figure)"
        finally:
            resume.set()
        await until(lambda: view.latest.text() == "P&L +5,000.00 USD", "the P&L carried into today")
        _x, y = view.curve.getData()
        assert y is not None and y[0] == 5_000.0, "the curve starts from where the account stood"
        assert len(pages) == 2 * ROUND_TRIPS // PAGE, "every page of the account's fills was read"
