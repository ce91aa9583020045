"""The ticket in the real window shows the market's hours of the account chosen: IB's, from the TWS simulator's
contract details, for an IB account; nothing for the paper account, whose simulated market gives no hours."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit

from core.adapters.ib.hours import parse_ib_sessions
from core.domain.trading_hours import TradingHours
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
