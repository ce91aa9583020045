"""Through the real window: Record fill… is offered for an e-mail desk's order only, and books what is entered."""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from core.adapters.registry import create_adapter
from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.ports.manual_fills import MANUAL_FILL_OVERRIDE_AUDIT
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from core.storage.settings import SettingsStore
from gui.dialogs.manual_fill import ManualFillDialog
from gui.widgets.main_window import MainWindow
from tests.adapters.test_mail_desk import smtp_mailer
from tests.e2e.window_helpers import click_cell, until
from tests.sims.smtp import SmtpSim
from tests.sims.smtp_fixtures import (  # noqa: F401  (pytest fixtures)
    fixture_ca,
    fixture_ca_file,
    fixture_server_tls,
    fixture_starttls_sim,
)

DESK, PAPER = AccountId("DESK-1"), AccountId("PAPER-1")
A_SHARE = {"symbol": "600519", "currency": "CNY", "tick_size": "0.01", "lot_size": "100", "venue": "SSE"}
NO_COLLAR = RiskConfig(accounts={"DESK-1": {"collar_pct": None}, "PAPER-1": {"collar_pct": None}})


@asynccontextmanager
async def desk_window(tmp_path: Path, sim: SmtpSim, ca_file: str) -> AsyncIterator[MainWindow]:
    """A window over a paper account and an e-mail desk, both connected."""
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=NO_COLLAR)
    session.add_account(create_adapter("paper", PAPER, {"state_path": str(tmp_path / "paper.json"),
                                                        "tick_interval_s": 60}, bus.publish, bus.publish_quotes))
    session.add_account(create_adapter("email_desk", DESK, {
        "desk": ["orders@desk.example"], "instruments": [A_SHARE], "state_path": str(tmp_path / "desk.json"),
        "mailer": smtp_mailer(sim, ca_file)}, bus.publish))
    session.restore()
    window = MainWindow(session, SettingsStore(tmp_path / "settings.json"))
    window.show()
    try:
        for account in (PAPER, DESK):
            assert (await session.connect(account)).ok
        yield window
    finally:
        window.close()
        await window.shutdown()


async def test_record_fill_is_offered_on_a_desk_order_only_and_books_the_fill(
    tmp_path: Path, starttls_sim: SmtpSim, ca_file: str
) -> None:
    async with desk_window(tmp_path, starttls_sim, ca_file) as window:
        session = window.session
        desk = await session.submit(OrderRequest(DESK, "600519", Side.BUY, "200", OrderType.LIMIT, limit_price="1500"))
        paper = await session.submit(OrderRequest(PAPER, "AAPL", Side.BUY, "1", OrderType.LIMIT, limit_price="1"))
        assert desk.status is OrderStatus.ACCEPTED and paper.is_working
        record = window.findChild(QPushButton, "orders.recordFillButton")
        orders = window.orders_view
        await until(lambda: orders.model().rowCount() == 2, "both orders in the blotter")

        click_cell(orders, desk.client_order_id, "symbol")
        assert record.isEnabled(), "a desk's executions are entered by hand"
        click_cell(orders, paper.client_order_id, "symbol")
        assert not record.isEnabled(), "a paper account reports its own fills"

        click_cell(orders, desk.client_order_id, "symbol")
        record.click()
        dialog = window.findChild(ManualFillDialog, "manualFillDialog")
        assert dialog is not None and dialog.isVisible()
        dialog.quantity.setText("100")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        await until(lambda: desk.filled_qty == 100, "the fill to be booked")
        position = session.portfolio.position(DESK, "600519")
        assert position is not None and position.quantity == Decimal(100)
        assert desk.status is OrderStatus.PARTIALLY_FILLED

        record.click()  # the desk reports the rest above the limit: booked only as an audited override
        dialog = next(d for d in window.findChildren(ManualFillDialog) if d.isVisible())
        dialog.price.setText("1500.50")
        dialog.override.setChecked(True)
        dialog.reason.setText("Desk confirmed the price by phone")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        await until(lambda: desk.status is OrderStatus.FILLED, "the rest to be booked")
        (entry,) = session.journal.audit_entries((MANUAL_FILL_OVERRIDE_AUDIT,))
        assert entry.actor == getpass.getuser() and "Desk confirmed the price by phone" in entry.detail
