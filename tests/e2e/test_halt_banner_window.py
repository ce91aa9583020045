"""The HALTED banner: impossible to miss, says why, and its Resume asks first and is audited."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFrame, QLabel, QMessageBox, QPushButton, QToolBar

from core.domain import AccountId, OrderRequest, OrderType, Side
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


def banner(window: MainWindow) -> QFrame:
    found = window.findChild(QFrame, "haltBanner")
    assert isinstance(found, QFrame)
    return found


def answer(window: MainWindow, name: str, button: QMessageBox.StandardButton) -> str:
    box = window.findChild(QMessageBox, name)
    assert isinstance(box, QMessageBox)
    text = box.text()
    QTest.mouseClick(box.button(button), Qt.MouseButton.LeftButton)
    box.deleteLater()
    return text


async def test_kill_switch_shows_the_banner_with_why_and_resume_asks_then_lifts_it(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        assert not banner(window).isVisible(), "no banner while trading"
        window.findChild(QAction, "action.killSwitch").trigger()
        await until(lambda: window.findChild(QMessageBox, "killSwitchConfirmDialog") is not None, "kill confirm")
        answer(window, "killSwitchConfirmDialog", QMessageBox.StandardButton.Yes)
        await until(lambda: banner(window).isVisible(), "the HALTED banner")
        text = banner(window).findChild(QLabel, "haltBanner.text").text()
        assert text.startswith("HALTED (all accounts): Kill switch pulled by "), text
        shown = banner(window)
        assert shown.width() == window.width() and shown.isVisibleTo(window), "across the top of the window"

        resume = banner(window).findChild(QPushButton, "haltBanner.resumeButton")
        QTest.mouseClick(resume, Qt.MouseButton.LeftButton)
        await until(lambda: window.findChild(QMessageBox, "resumeConfirmDialog") is not None, "the resume confirm")
        asked = answer(window, "resumeConfirmDialog", QMessageBox.StandardButton.Cancel)
        assert "Kill switch pulled by" in asked
        await until(lambda: window.findChild(QMessageBox, "resumeConfirmDialog") is None, "the confirm to close")
        assert window.session.account(ACCOUNT).trading.value == "HALTED", "Cancel leaves it halted"
        assert banner(window).isVisible()

        QTest.mouseClick(resume, Qt.MouseButton.LeftButton)
        await until(lambda: window.findChild(QMessageBox, "resumeConfirmDialog") is not None, "the resume confirm")
        answer(window, "resumeConfirmDialog", QMessageBox.StandardButton.Yes)
        await until(lambda: window.session.account(ACCOUNT).trading.value == "ACTIVE", "trading to resume")
        await until(lambda: not banner(window).isVisible(), "the banner to go")
        assert "Resume (" in window.log_view.toPlainText()
    with sqlite3.connect(tmp_path / "journal.sqlite") as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions[-2:] == ["kill_switch", "resume"]


async def test_the_kill_switch_moves_no_widget_under_the_pointer(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        watched = {"watchlist": window.watchlist_view, "ticket": window.ticket, "orders": window.orders_view}

        def where() -> dict[str, tuple[int, int]]:
            window.layout().activate()  # whatever relayout the banner asked for, done now
            return {name: (w.mapTo(window, QPoint(0, 0)).x(), w.mapTo(window, QPoint(0, 0)).y())
                    for name, w in watched.items()}

        before = where()
        toolbar = window.findChild(QToolBar, "toolbar.trading")
        assert toolbar.mapTo(window, QPoint(0, 0)).y() == 0, "while trading the banner takes no room above it"
        window.findChild(QAction, "action.killSwitch").trigger()
        await until(lambda: window.findChild(QMessageBox, "killSwitchConfirmDialog") is not None, "kill confirm")
        answer(window, "killSwitchConfirmDialog", QMessageBox.StandardButton.Yes)
        await until(lambda: banner(window).isVisible(), "the HALTED banner")
        assert where() == before, "the banner took room from the watchlist, the ticket and the blotter"
        shown = banner(window)
        assert shown.mapTo(window, QPoint(0, shown.height())).y() <= before["watchlist"][1], "above, not over them"
        assert shown.mapTo(window, QPoint(0, 0)).y() >= toolbar.mapTo(window, QPoint(0, toolbar.height())).y(), \
            "under the toolbar: Kill switch, Cancel all and Flatten all stay in reach"


async def test_a_kill_switch_from_before_a_restart_shows_the_banner_at_start(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await window.session.kill_switch("ana")
    async with open_window(tmp_path, active=False) as window:
        await until(lambda: banner(window).isVisible(), "the banner at start")
        assert "Kill switch pulled by ana" in banner(window).findChild(QLabel, "haltBanner.text").text()


async def test_a_refusal_because_of_the_halt_leaves_the_ticket_when_trading_resumes(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        window.findChild(QAction, "action.killSwitch").trigger()
        await until(lambda: window.findChild(QMessageBox, "killSwitchConfirmDialog") is not None, "kill confirm")
        answer(window, "killSwitchConfirmDialog", QMessageBox.StandardButton.Yes)
        await until(lambda: window.session.account(ACCOUNT).trading.value == "HALTED", "the halt")
        window.orders.send(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "1", OrderType.MARKET))

        def shown() -> str:
            return " ".join(label.text() for label in window.ticket.findChildren(QLabel) if label.isVisible())

        await until(lambda: "is halted" in shown(), "the ticket to say the order was refused")

        window.findChild(QAction, "action.resumeTrading").trigger()
        await until(lambda: window.findChild(QMessageBox, "resumeConfirmDialog") is not None, "the resume confirm")
        answer(window, "resumeConfirmDialog", QMessageBox.StandardButton.Yes)
        await until(lambda: window.session.account(ACCOUNT).trading.value == "ACTIVE", "trading to resume")
        await until(lambda: "is halted" not in shown(), "the stale refusal to leave the ticket")
