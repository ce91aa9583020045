"""Accounts from the window: remove one (after a confirm that names it), edit one, see each account's real state."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLabel, QMessageBox, QTabWidget, QWidget

from core.adapters.registry import find_kind
from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.storage.settings import AccountSettings, SettingsStore
from gui.brokers.account_setup import AccountsSetup
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until

PAPER = AccountId("PAPER-1")
KITE = AccountId("KITE-1")


def paper(data_dir: Path, account: str = "PAPER-1") -> AccountSettings:
    return AccountSettings(account, "paper", {"state_path": str(data_dir / "paper" / f"{account}.json"),
                                              "tick_interval_s": 60})


def setup_of(window: MainWindow) -> AccountsSetup:
    (setup,) = [o for o in window.keep_alive if isinstance(o, AccountsSetup)]
    return setup


def click(window: QWidget, name: str) -> None:
    button = window.findChild(QAbstractButton, name)
    assert isinstance(button, QAbstractButton), f"no button {name}"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def box(window: QWidget, name: str) -> QMessageBox:
    found = window.findChild(QMessageBox, name)
    assert isinstance(found, QMessageBox), f"no dialog {name}"
    return found


async def test_a_kite_account_that_failed_to_connect_is_removed_with_its_settings_and_secrets(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    store.set_accounts([paper(tmp_path), AccountSettings(str(KITE), "kite", {"root": "http://127.0.0.1:9"})])
    async with open_window(tmp_path, active=False) as window:
        await until(lambda: window.session.account(PAPER).trading.value == "ACTIVE", "paper to be active")
        setup = setup_of(window)
        kite = find_kind("kite")
        keys = [setup.secret_key(kite, str(KITE), {}, field) for field in ("api_key", "api_secret")]
        for key in keys:
            setup.secrets.set(key, "not-a-real-secret-0123")

        click(window, f"accountsPanel.removeButton.{KITE}")
        await until(lambda: window.findChild(QMessageBox, "removeAccountConfirmDialog") is not None, "the confirm")
        confirm = box(window, "removeAccountConfirmDialog")
        assert "Remove account KITE-1 (kite)?" in confirm.text()
        assert "no open positions and no working orders" in confirm.text()
        assert "deletes its saved settings and its secrets" in confirm.text()
        assert confirm.defaultButton() is confirm.button(QMessageBox.StandardButton.Cancel)
        QTest.mouseClick(confirm.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

        await until(lambda: KITE not in window.session.account_ids(), "KITE-1 to leave the session")
        await until(lambda: window.findChild(QLabel, f"accountsPanel.state.{KITE}") is None, "its row to go")
        assert window.statusBar().findChild(QLabel, f"status.account.{KITE}") is None
        assert all(setup.secrets.get(key) is None for key in keys), "its secrets are deleted"
        assert "Removed account KITE-1" in window.log_view.toPlainText()
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert [a["id"] for a in saved["accounts"]] == ["PAPER-1"]
    assert "remove_account" in {row[1] for row in audit_rows(tmp_path)}


def audit_rows(data_dir: Path) -> list[tuple[str, str, str]]:
    import sqlite3

    with sqlite3.connect(data_dir / "journal.sqlite") as db:
        return [tuple(r) for r in db.execute("SELECT actor, action, detail FROM audit")]


async def test_removing_an_account_with_working_orders_is_refused_saying_what_to_do(tmp_path: Path) -> None:
    SettingsStore(tmp_path / "settings.json").set_accounts([paper(tmp_path)])
    async with open_window(tmp_path) as window:
        bid, _ = window.bridge.bid_ask("AAPL")
        assert bid is not None
        order = await window.session.submit(OrderRequest(PAPER, "AAPL", Side.BUY, "5", OrderType.LIMIT,
                                                         limit_price=str((bid * 97 / 100).quantize(bid))))
        await until(lambda: order.status is OrderStatus.ACCEPTED, "the order to work")

        click(window, f"accountsPanel.removeButton.{PAPER}")
        await until(lambda: window.findChild(QMessageBox, "removeAccountRefusedDialog") is not None, "the refusal")
        refusal = box(window, "removeAccountRefusedDialog")
        assert "PAPER-1 has 1 working order(s) (AAPL)" in refusal.text()
        assert "cancel them first" in refusal.text()
        assert refusal.standardButtons() == QMessageBox.StandardButton.Ok
        refusal.accept()
        assert PAPER in window.session.account_ids()
        assert window.findChild(QLabel, f"accountsPanel.state.{PAPER}") is not None


async def test_remove_confirm_says_the_positions_stay_with_the_broker(tmp_path: Path) -> None:
    SettingsStore(tmp_path / "settings.json").set_accounts([paper(tmp_path)])
    async with open_window(tmp_path) as window:
        order = await window.session.submit(OrderRequest(PAPER, "AAPL", Side.BUY, "7", OrderType.MARKET))
        await until(lambda: order.status is OrderStatus.FILLED, "the fill")
        click(window, f"accountsPanel.removeButton.{PAPER}")
        await until(lambda: window.findChild(QMessageBox, "removeAccountConfirmDialog") is not None, "the confirm")
        confirm = box(window, "removeAccountConfirmDialog")
        assert "Its 1 open position(s) (AAPL 7) are NOT closed: they stay with the broker" in confirm.text()
        QTest.mouseClick(confirm.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
        assert PAPER in window.session.account_ids()
    assert [a.id for a in SettingsStore(tmp_path / "settings.json").accounts()] == ["PAPER-1"]


async def test_edit_opens_the_accounts_tab_with_its_settings_and_the_real_states(tmp_path: Path) -> None:
    SettingsStore(tmp_path / "settings.json").set_accounts([
        paper(tmp_path), AccountSettings(str(KITE), "kite", {"root": "http://127.0.0.1:9"})])
    async with open_window(tmp_path, active=False) as window:
        await until(lambda: window.session.account(PAPER).trading.value == "ACTIVE", "paper to be active")
        await until(lambda: window.session.view.status(KITE).connection.value == "FAILED", "Kite to fail")
        click(window, f"accountsPanel.editButton.{KITE}")
        await until(lambda: window.findChild(QWidget, "connectionsDialog") is not None, "the dialog")
        dialog = window.findChild(QWidget, "connectionsDialog")
        tabs = dialog.findChild(QTabWidget, "connections.tabs")
        assert tabs.tabText(tabs.currentIndex()) == find_kind("kite").display_name
        paper_state = dialog.findChild(QLabel, f"connections.state.{PAPER}")
        kite_state = dialog.findChild(QLabel, f"connections.state.{KITE}")
        assert paper_state.text().startswith("Connected"), paper_state.text()
        assert kite_state.text().startswith("Needs login: "), kite_state.text()
        assert "No Kite API key yet" in kite_state.text() and "Save keys, then Log in" in kite_state.text(), (
            "with no keys saved, Log in is greyed out: the state names the step before it")
        assert kite_state.property("error") is True


async def test_the_dialogs_account_list_follows_a_halt_and_a_resume_while_open(tmp_path: Path) -> None:
    """A new connection reconciles halted, then goes active: the list must not keep saying "halted"."""
    SettingsStore(tmp_path / "settings.json").set_accounts([paper(tmp_path)])
    async with open_window(tmp_path) as window:
        await until(lambda: window.session.account(PAPER).trading.value == "ACTIVE", "paper to be active")
        dialog = setup_of(window).open_dialog()
        state = dialog.findChild(QLabel, f"connections.state.{PAPER}")
        assert state.text() == "Connected · active"
        await window.session.kill_switch("test")
        await until(lambda: state.text() == "Connected · halted", f"the halt in the list, not {state.text()!r}")
        window.session.resume(None, "test")
        await until(lambda: state.text() == "Connected · active", f"the resume in the list, not {state.text()!r}")


async def test_the_toolbars_connect_opens_on_the_account_that_failed(tmp_path: Path) -> None:
    """After a restart without its token, the OANDA account failed: Connect account opened on the Paper tab."""
    SettingsStore(tmp_path / "settings.json").set_accounts([
        paper(tmp_path), AccountSettings(str(KITE), "kite", {"root": "http://127.0.0.1:9"})])
    async with open_window(tmp_path, active=False) as window:
        await until(lambda: window.session.view.status(KITE).connection.value == "FAILED", "Kite to fail")
        dialog = setup_of(window).open_dialog()
        tabs = dialog.findChild(QTabWidget, "connections.tabs")
        assert tabs.tabText(tabs.currentIndex()) == find_kind("kite").display_name
