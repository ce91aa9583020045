"""Through the real window: after the kill switch, Flatten asks whether to close on a halted account, then does."""

from __future__ import annotations

import getpass
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from core.domain import AccountId, OrderOrigin, OrderRequest, OrderStatus, OrderType, Side
from core.domain.protection import Bracket
from core.services.session import REDUCE_WHILE_HELD_AUDIT
from tests.e2e.window_helpers import open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


def answer(window: object, name: str, button: QMessageBox.StandardButton) -> QMessageBox:
    box = window.findChild(QMessageBox, name)  # type: ignore[attr-defined]
    assert isinstance(box, QMessageBox)
    QTest.mouseClick(box.button(button), Qt.MouseButton.LeftButton)
    return box


async def test_flatten_after_the_kill_switch_asks_then_closes_and_audits_who_did_it(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        session = window.session
        bought = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.MARKET))
        assert bought.status is OrderStatus.FILLED

        window.findChild(QAction, "action.killSwitch").trigger()
        await until(lambda: window.findChild(QMessageBox, "killSwitchConfirmDialog") is not None, "kill switch confirm")
        answer(window, "killSwitchConfirmDialog", QMessageBox.StandardButton.Yes)
        await until(lambda: session.account(ACCOUNT).trading.value == "HALTED", "the account to halt")

        window.findChild(QAction, "action.flattenAll").trigger()
        await until(lambda: window.findChild(QMessageBox, "flattenConfirmDialog") is not None, "flatten confirm")
        assert "PAPER-1  long 10 AAPL" in window.findChild(QMessageBox, "flattenConfirmDialog").text(), \
            "the confirm names what it will close"
        answer(window, "flattenConfirmDialog", QMessageBox.StandardButton.Yes)
        await until(lambda: window.findChild(QMessageBox, "heldAccountConfirmDialog") is not None,
                    "the question about the halted account")
        held = window.findChild(QMessageBox, "heldAccountConfirmDialog")
        assert "PAPER-1 is HALTED: Kill switch pulled by" in held.text()
        assert "Flatten only reduces its positions (long 10 AAPL)" in held.text()
        assert held.defaultButton() is held.button(QMessageBox.StandardButton.No)
        position = session.portfolio.position(ACCOUNT, "AAPL")
        assert position is not None and position.quantity == 10  # nothing sent before the answer

        answer(window, "heldAccountConfirmDialog", QMessageBox.StandardButton.Yes)
        await until(lambda: session.portfolio.position(ACCOUNT, "AAPL").quantity == Decimal(0), "the position to close")
        (closing,) = [o for o in session.oms.orders() if o.origin is OrderOrigin.FLATTEN]
        assert closing.status is OrderStatus.FILLED
        (entry,) = session.journal.audit_entries((REDUCE_WHILE_HELD_AUDIT,))
        assert entry.actor == getpass.getuser() and str(closing.client_order_id) in entry.detail


async def test_a_close_from_the_ticket_on_a_halted_account_asks_and_no_sends_nothing(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        session = window.session
        await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.MARKET))
        await session.kill_switch("ana")
        close = OrderRequest(ACCOUNT, "AAPL", Side.SELL, "10", OrderType.MARKET, origin=OrderOrigin.CLOSE)
        sent_before = len(session.oms.orders())

        window.ticket.submit_requested.emit(close)
        await until(lambda: window.findChild(QMessageBox, "heldAccountConfirmDialog") is not None, "the question")
        assert "This sell of 10 only reduces your long 10 AAPL" in window.findChild(
            QMessageBox, "heldAccountConfirmDialog").text()
        answer(window, "heldAccountConfirmDialog", QMessageBox.StandardButton.No)
        await until(lambda: window.findChild(QMessageBox, "heldAccountConfirmDialog") is None
                    or not window.findChild(QMessageBox, "heldAccountConfirmDialog").isVisible(), "the answer")
        assert len(session.oms.orders()) == sent_before

        window.ticket.submit_requested.emit(close)
        await until(lambda: any(b.isVisible() for b in window.findChildren(QMessageBox, "heldAccountConfirmDialog")),
                    "the question again")
        (box,) = [b for b in window.findChildren(QMessageBox, "heldAccountConfirmDialog") if b.isVisible()]
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
        await until(lambda: session.portfolio.position(ACCOUNT, "AAPL").quantity == Decimal(0), "the close to fill")
        (entry,) = session.journal.audit_entries((REDUCE_WHILE_HELD_AUDIT,))
        assert entry.actor == getpass.getuser()


async def test_the_flatten_confirm_says_the_stops_and_targets_it_cancels_first(tmp_path: Path) -> None:
    """Seen under Xvfb: the confirm listed the positions only, while Flatten also cancels the held children."""
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        session = window.session
        quote = session.quotes.latest("AAPL", str(ACCOUNT))
        assert quote is not None and quote.ask is not None
        entry = await session.submit_bracket(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.MARKET),
                                             Bracket(quote.ask - Decimal(5), quote.ask + Decimal(5)))
        await until(lambda: entry.status is OrderStatus.FILLED
                    and len(session.view.held_children(ACCOUNT, "AAPL")) == 2, "the entry's fill, its children armed")

        window.findChild(QAction, "action.flattenAll").trigger()
        await until(lambda: window.findChild(QMessageBox, "flattenConfirmDialog") is not None, "flatten confirm")
        text = window.findChild(QMessageBox, "flattenConfirmDialog").text()
        assert "PAPER-1  long 10 AAPL" in text
        assert "Their stop-losses and targets are cancelled first: 2 held by TradeTerm, 0 at the broker." in text
        answer(window, "flattenConfirmDialog", QMessageBox.StandardButton.Cancel)
