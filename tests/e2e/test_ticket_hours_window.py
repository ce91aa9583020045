"""The ticket in the real window shows the market's hours of the account chosen: IB's, from the TWS simulator's
contract details, for an IB account; nothing for the paper account, whose simulated market gives no hours."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QTableView

from core.adapters.ib.hours import parse_ib_sessions
from core.domain import AccountId, OrderRequest, OrderType, Side, StrategyId
from core.domain.signal import SignalInfo
from core.domain.trading_hours import TradingHours
from gui.controllers.strategies import StrategySetup
from tests.e2e.test_own_feed_prices import IB, PAPER, simulator, write_settings
from tests.e2e.window_helpers import open_window, until
from tests.sims.tws.hours import listing_hours
from tests.sims.tws.market import DEFAULT_LISTINGS
from tests.sims.tws.testing import no_decoder_errors


@pytest.mark.slow
async def test_the_ticket_shows_ibs_hours_for_an_ib_account_and_none_for_paper(tmp_path: Path) -> None:
    sim = simulator()
    await sim.start()
    write_settings(tmp_path, sim.port)
    try:
        with no_decoder_errors():
            async with open_window(tmp_path) as window:
                ticket = window.ticket
                label = ticket.findChild(QLabel, "orderTicket.hoursLabel")
                accounts = ticket.findChild(QComboBox, "orderTicket.accountCombo")
                ticket.findChild(QLineEdit, "orderTicket.symbolEdit").setText("AAPL")
                accounts.setCurrentText(IB)
                await until(lambda: label.text() != "", "IB's hours of AAPL on the ticket")
                aapl = next(listing for listing in DEFAULT_LISTINGS if listing.symbol == "AAPL")
                now = datetime.now(UTC)
                expected = TradingHours("NASDAQ", "US/Eastern",
                                        parse_ib_sessions(listing_hours(aapl, now)[1], "US/Eastern"), "")
                assert label.text() == expected.summary(now)
                assert label.toolTip().startswith("From IB contract details (liquid hours)")
                accounts.setCurrentText(PAPER)
                assert label.text() == ""
    finally:
        await sim.stop()


@pytest.mark.slow
async def test_the_approval_queue_shows_each_orders_market_ibs_hours_for_ib_and_nothing_for_paper(
        tmp_path: Path) -> None:
    """Approving a strategy's DAY order after NSE's close sent it to Kite, which refused it: the queue now says
    beside each order whether its market is open, from its own account's broker."""
    sim = simulator()
    await sim.start()
    write_settings(tmp_path, sim.port)
    try:
        with no_decoder_errors():
            async with open_window(tmp_path) as window:
                setup = next(o for o in window.keep_alive if isinstance(o, StrategySetup))
                await until(lambda: window.session.quotes.latest("AAPL", IB) is not None, "IB's AAPL quote")
                signal = SignalInfo(StrategyId("momo"), datetime.now(UTC))
                for account in (IB, PAPER):
                    await setup.approvals.intake(OrderRequest(AccountId(account), "AAPL", Side.BUY, Decimal(1),
                                                              OrderType.MARKET), signal)
                view = window.findChild(QTableView, "approvalsView")
                model = view.model()
                market = [c.key for c in model.columns].index("market")
                account_column = [c.key for c in model.columns].index("account")

                def market_of(account: str) -> str:
                    row = next(r for r in range(model.rowCount())
                               if model.index(r, account_column).data() == account)
                    return str(model.index(row, market).data())

                await until(lambda: model.rowCount() == 2 and market_of(IB) != "", "IB's hours in the queue")
                aapl = next(listing for listing in DEFAULT_LISTINGS if listing.symbol == "AAPL")
                now = datetime.now(UTC)
                hours = TradingHours("NASDAQ", "US/Eastern", parse_ib_sessions(listing_hours(aapl, now)[1],
                                                                               "US/Eastern"), "")
                state = "open" if hours.state_at(now).is_open else "closed"
                assert market_of(IB) == f"NASDAQ {state}", "IB's own hours of AAPL"
                assert market_of(PAPER) == "", "the paper market gives no hours: nothing is claimed"
                header = view.horizontalHeader()
                assert not view.isColumnHidden(market) and header.visualIndex(market) == 1 + header.visualIndex(
                    [c.key for c in model.columns].index("verdict")), "the market shows by default, after the verdict"
    finally:
        await sim.stop()
