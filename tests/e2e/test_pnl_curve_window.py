"""The P&L dock on the real window and the paper broker: the account's realised + unrealised P&L as a curve
that moves with a fill and with the marks after it, and that a restart replays from the journal."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDockWidget, QPushButton

from core.domain import AccountId, Quote, Side
from gui.widgets.main_window import MainWindow
from gui.widgets.pnl_curve import PnlCurveView
from tests.e2e.window_helpers import open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


async def _curve(window: MainWindow) -> PnlCurveView:
    window.findChild(QDockWidget, "dock.pnlCurve").raise_()  # tabbed behind the fills: built when raised
    await until(lambda: window.findChild(PnlCurveView, "pnlCurveView") is not None, "the P&L curve")
    view = window.findChild(PnlCurveView, "pnlCurveView")
    await until(lambda: view.account.currentText() == str(ACCOUNT), "the account picked")
    return view


def _figure(window: MainWindow) -> Decimal:
    totals = window.session.portfolio.totals(ACCOUNT)["USD"]
    assert totals.unrealized is not None
    return totals.realized + totals.unrealized


def _drawn(view: PnlCurveView) -> tuple[float, ...]:
    _x, y = view.curve.getData()
    return () if y is None else tuple(y)


@pytest.mark.slow
async def test_the_curve_moves_with_a_fill_and_the_marks_and_a_restart_replays_it(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        view = await _curve(window)
        await until(lambda: view.latest.text() == "P&L +0.00 USD", "flat all day (once the journal is replayed)")
        _bid, ask = window.bridge.bid_ask("AAPL")
        assert ask is not None
        window.ticket.set_confirm_required(False)
        window.ticket.prefill("AAPL", Side.BUY, quantity=Decimal(10), price=ask, account=str(ACCOUNT))
        window.ticket.findChild(QPushButton, "orderTicket.sendButton").click()
        await until(lambda: window.session.portfolio.position(ACCOUNT, "AAPL") is not None
                    and window.session.portfolio.position(ACCOUNT, "AAPL").quantity == 10, "the fill")
        after_fill = _figure(window)
        await until(lambda: view.latest.text() == f"P&L {after_fill:+,.2f} USD", "the fill on the curve")
        assert _drawn(view)[-1] == float(after_fill)
        assert after_fill < 0, "bought at the ask, marked lower, and paid commission"

        up = ask + Decimal(3)
        window.session.bus.publish_quotes([Quote("AAPL", bid=up, ask=up + Decimal("0.01"), last=up, source=ACCOUNT)])
        await until(lambda: _figure(window) != after_fill, "the mark")
        marked = _figure(window)
        assert marked > after_fill
        await until(lambda: view.latest.text() == f"P&L {marked:+,.2f} USD", "the mark on the curve")
        assert _drawn(view)[-1] == float(marked)
        assert float(after_fill) in _drawn(view), "the course, not just the latest figure"
        commission = window.session.portfolio.position(ACCOUNT, "AAPL").realized_pnl

    async with open_window(tmp_path) as window:
        view = await _curve(window)
        await until(lambda: len(_drawn(view)) >= 2, "the day's fills replayed")
        assert float(commission) in _drawn(view), "the fill, marked at its own price, less its commission"
