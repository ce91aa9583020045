"""The account panel through the real window: funds of paper, IB (TWS simulator) and Kite (simulator) accounts,
each number checked against the broker's (or simulator's) own books after a fill."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QTableView, QTabWidget, QWidget

from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.storage.settings import AccountSettings, SettingsStore
from gui.models.format import fmt_price, fmt_signed
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import model_of, open_window, until, write_paper_settings
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_settings as kite_settings
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.testing import no_decoder_errors
from tests.sims.tws.testing import sim_settings as ib_settings

PAPER = AccountId("PAPER-1")
IB = AccountId("IB-7")
KITE = AccountId("KITE-1")


def funds_table(window: MainWindow) -> QTableView:
    table = window.findChild(QTableView, "fundsPanel.table")
    assert table is not None, "the window has no account panel (fundsPanel.table)"
    return table


def shown(window: MainWindow, account: str, line: str, column: str) -> str | None:
    """Return the text of the account panel's cell (account, currency line, column), or None without that row."""
    model = model_of(funds_table(window))
    row = model.row_of((account, line))
    if row is None:
        return None
    col = [c.key for c in model.columns].index(column)
    return str(model.index(row, col).data())


def money(value: Decimal | str) -> str:
    return fmt_price(Decimal(value), 2)


async def test_paper_funds_follow_the_paper_brokers_own_books(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        paper = window.session.account(PAPER).adapter
        books = paper._books  # the paper broker's own ledger: what the panel must show
        await until(lambda: shown(window, PAPER, "USD", "cash") == money(books.cash["USD"]), "paper's USD cash")
        assert shown(window, PAPER, "USD", "buying_power") == money(books.cash["USD"]), "a cash account: bp = cash"
        assert shown(window, PAPER, "USD", "state") == "ACTIVE"
        assert shown(window, PAPER, "USD", "source") == "computed", "paper's figures come from its margin model"

        order = await window.session.submit(OrderRequest(PAPER, "AAPL", Side.BUY, "100", OrderType.MARKET))
        await until(lambda: order.status is OrderStatus.FILLED, "the paper order to fill")
        cash = books.cash["USD"]
        await until(lambda: shown(window, PAPER, "USD", "cash") == money(cash), "the cash after the fill")
        mids = paper._market.mids()
        held = 100 * mids["AAPL"]
        assert shown(window, PAPER, "USD", "equity") == money(cash + held)
        assert shown(window, PAPER, "USD", "margin_used") == money(held), "cash account: margin = position value"
        assert shown(window, PAPER, "USD", "buying_power") == money(
            books.buying_power("USD", {i.symbol: i for i in paper.instruments()}, mids))
        assert shown(window, PAPER, "USD", "margin_available") == money(cash)
        assert shown(window, "Total", "USD", "cash") == money(cash), "the per-currency total of the one account"
        assert shown(window, PAPER, "INR", "cash") == money(books.cash["INR"])

        position = window.session.portfolio.position(PAPER, "AAPL")
        assert position is not None and position.realized_pnl < 0, "the fee, net of commissions"
        assert shown(window, PAPER, "USD", "realized") == fmt_signed(position.realized_pnl, 2)
        headers = [c.header for c in model_of(funds_table(window)).columns]
        assert "Day P&L (net of commissions)" in headers

        total = window.findChild(QLabel, "fundsPanel.grandTotal").text()
        assert "leaves out CNY, INR" in total, total  # paper has no FX quotes: said, not guessed


@pytest.mark.slow
async def test_ib_funds_are_the_tws_simulators_account_values(tmp_path: Path) -> None:
    simulator = TwsSimulator(tick_interval_s=60)  # marks stay still: the figures are comparable
    await simulator.start()
    SettingsStore(tmp_path / "settings.json").set_accounts([
        AccountSettings(str(PAPER), "paper", {"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60}),
        AccountSettings(str(IB), "ib", ib_settings(simulator.port, client_id=7)),
    ])
    try:
        with no_decoder_errors():
            async with open_window(tmp_path) as window:
                order = await window.session.submit(OrderRequest(IB, "AAPL", Side.BUY, "40", OrderType.MARKET))
                await until(lambda: order.status is OrderStatus.FILLED, "the IB order to fill")
                account = simulator.accounts[0]

                def sim(tag: str) -> str:
                    return next(v for k, v, c in simulator.accounts_view.values(account) if k == tag and c == "USD")

                await until(lambda: shown(window, IB, "USD BASE", "cash") == money(sim("TotalCashValue")),
                            "IB's cash after the fill")
                assert Decimal(sim("InitMarginReq")) > 0, "the stock holds margin"
                assert shown(window, IB, "USD BASE", "equity") == money(sim("NetLiquidation"))
                assert shown(window, IB, "USD BASE", "buying_power") == money(sim("BuyingPower"))
                assert shown(window, IB, "USD BASE", "margin_used") == money(sim("InitMarginReq"))
                assert shown(window, IB, "USD BASE", "margin_available") == money(sim("AvailableFunds"))
                used, free = Decimal(sim("InitMarginReq")), Decimal(sim("AvailableFunds"))
                assert shown(window, IB, "USD BASE", "utilisation") == f"{fmt_price(used * 100 / (used + free), 1)}%"
                assert shown(window, IB, "USD cash", "cash") == money(simulator.book.cash[account]["USD"])
                assert shown(window, IB, "USD BASE", "state") == "ACTIVE"
                assert shown(window, IB, "USD BASE", "source") == "broker"
                base = window.session.funds.latest(IB).line("USD", "BASE")
                assert base.maintenance_margin == Decimal(sim("MaintMarginReq"))
                assert base.excess_liquidity == Decimal(sim("ExcessLiquidity"))
                assert shown(window, "Total", "USD", "buying_power") == money(
                    Decimal(sim("BuyingPower")) + window.session.funds.latest(PAPER).line("USD").buying_power)
    finally:
        await simulator.stop()


@pytest.mark.slow
async def test_kite_funds_are_the_kite_simulators_margins(tmp_path: Path) -> None:
    simulator = KiteSimulator(tick_interval_s=0.05)
    await simulator.start()
    try:
        SettingsStore(tmp_path / "settings.json").set_accounts([
            AccountSettings(str(PAPER), "paper", {"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60}),
            AccountSettings(str(KITE), "kite", kite_settings(simulator, ticker=False)),
        ])
        async with open_window(tmp_path, active=False) as window:
            await until(lambda: window.session.account(PAPER).trading.value == "ACTIVE", "paper")
            await until(lambda: shown(window, KITE, "—", "state") == "disconnected", "Kite shown as disconnected")
            # Accounts connect after the first paint: "Not connected." until Kite's refusal comes back.
            await until(lambda: "log in" in (shown(window, KITE, "—", "reason") or "").lower(),
                        "the Kite row says to log in")
            window.findChild(QAction, "action.connections").trigger()
            await until(lambda: window.findChild(QWidget, "kiteConnectionPanel") is not None, "the Kite panel")
            window.findChild(QTabWidget, "connections.tabs").setCurrentIndex(1)
            panel = window.findChild(QWidget, "kiteConnectionPanel")
            panel.findChild(QLineEdit, "kiteConnectionPanel.apiKey").setText(simulator.api_key)
            panel.findChild(QLineEdit, "kiteConnectionPanel.apiSecret").setText(simulator.api_secret)
            QTest.mouseClick(panel.findChild(QPushButton, "kiteConnectionPanel.saveKeys"), Qt.MouseButton.LeftButton)
            login_url = window.session.account(KITE).adapter.login_url()
            answer = await asyncio.to_thread(requests.get, login_url, allow_redirects=False, timeout=5)
            redirect = panel.findChild(QLineEdit, "kiteConnectionPanel.redirect")
            redirect.setText(answer.headers["Location"])
            QTest.keyClick(redirect, Qt.Key.Key_Return)
            await until(lambda: window.session.account(KITE).trading.value == "ACTIVE", "KITE-1 to be active")

            window.watchlists.set_reference_feed(str(KITE), "PAPER-1")  # no Kite ticker here: priced from paper
            order = await window.session.submit(OrderRequest(KITE, "INFY", Side.BUY, "3", OrderType.MARKET))
            await until(lambda: order.status is OrderStatus.FILLED, "the Kite order to fill")
            margins = simulator.exchange.margins()["equity"]
            await until(lambda: shown(window, KITE, "INR equity", "cash")
                        == money(str(margins["available"]["live_balance"])), "Kite's live balance after the fill")
            assert shown(window, KITE, "INR equity", "margin_used") == money(str(margins["utilised"]["debits"]))
            assert Decimal(str(margins["utilised"]["debits"])) > 0, "the purchase used funds"
            assert shown(window, KITE, "INR equity", "buying_power") == money(str(margins["net"]))
            assert shown(window, KITE, "INR equity", "margin_available") == money(str(margins["net"]))
            assert shown(window, KITE, "INR commodity", "cash") is None, "a disabled segment is not shown"
            assert shown(window, KITE, "INR equity", "state") == "ACTIVE"
            base = window.findChild(QComboBox, "fundsPanel.baseCurrency")
            base.setCurrentText("INR")
            await until(lambda: "INR" in window.findChild(QLabel, "fundsPanel.grandTotal").text(), "an INR total")
            assert "leaves out" in window.findChild(QLabel, "fundsPanel.grandTotal").text()
    finally:
        await simulator.stop()


async def test_the_ticket_and_the_confirm_show_buying_power_and_risk_may_cap_its_use(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        paper = window.session.account(PAPER).adapter
        cash = paper._books.cash["USD"]
        await until(lambda: shown(window, PAPER, "USD", "buying_power") == money(cash), "paper's buying power")
        ticket = window.ticket
        ticket.findChild(QComboBox, "orderTicket.accountCombo").setCurrentText(str(PAPER))
        ticket.findChild(QLineEdit, "orderTicket.symbolEdit").setText("AAPL")
        ticket.findChild(QComboBox, "orderTicket.typeCombo").setCurrentIndex(0)  # MKT
        quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
        QTest.keyClicks(quantity, "100")
        verdict = ticket.findChild(QLabel, "orderTicket.riskLabel")
        await until(lambda: f"Buying power {cash:,.2f} USD" in verdict.text(), "the buying power on the ticket")
        ask = window.session.quotes.latest("AAPL", str(PAPER)).ask
        assert "this order ≈" in verdict.text() and verdict.text().startswith("Risk: passes"), verdict.text()

        ticket.set_confirm_required(True)
        QTest.keyClick(quantity, Qt.Key.Key_Return)
        await until(lambda: ticket.confirm_dialog is not None, "the confirm")
        line = ticket.confirm_dialog.findChild(QLabel, "orderTicket.confirmDialog.funds")
        assert line is not None and f"Buying power {cash:,.2f} USD" in line.text()
        ticket.confirm_dialog.reject()
        await until(lambda: ticket.confirm_dialog is None, "the confirm to close")
        assert window.session.oms.orders() == [], "nothing was sent"

        limits = window.session.risk.config.global_limits.merged({"max_buying_power_pct": Decimal("0.1")})
        window.session.set_risk_config(replace(window.session.risk.config, global_limits=limits))
        QTest.keyClicks(quantity, "0")  # 1000 AAPL: far above 0.1% of a million
        await until(lambda: "buying power" in verdict.text() and verdict.text().startswith("Risk would refuse"),
                    "the buying power limit on the ticket")
        assert ask is not None and "0.1% of PAPER-1's buying power" in verdict.text(), verdict.text()


async def test_the_base_currency_picked_for_the_grand_total_survives_a_restart(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        base = window.findChild(QComboBox, "fundsPanel.baseCurrency")
        assert base.currentText() == "USD", "USD until the trader picks another"
        await until(lambda: base.findText("INR") >= 0, "the currencies the accounts hold offered")
        base.setCurrentText("INR")
        await until(lambda: "INR" in window.findChild(QLabel, "fundsPanel.grandTotal").text(), "an INR total")
    async with open_window(tmp_path) as window:
        assert window.findChild(QComboBox, "fundsPanel.baseCurrency").currentText() == "INR"
        await until(lambda: "INR" in window.findChild(QLabel, "fundsPanel.grandTotal").text(),
                    "the INR total after the restart")
    SettingsStore(tmp_path / "settings.json").set_funds_base("inr?")
    async with open_window(tmp_path) as window:
        assert window.findChild(QComboBox, "fundsPanel.baseCurrency").currentText() == "USD", "a bad code is ignored"
