"""The vault's master-password dialog: create with a confirm, unlock, a wrong password, continue without secrets."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from core.storage.secrets import SecretStore
from core.storage.vault import VaultKeyring
from gui.controllers.secrets import vault_dialog
from gui.dialogs.vault_dialog import VaultDialog
from tests.gui.test_manual_fill_dialog import unnamed_controls

PASSWORD = "correct horse battery"


def press_open(dialog: VaultDialog) -> None:
    assert isinstance(dialog, VaultDialog)
    QTest.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)


def test_first_use_creates_the_vault_only_when_both_passwords_agree(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "secrets.vault"
    dialog = vault_dialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_controls(dialog) == []
    assert dialog.confirm.isVisibleTo(dialog) and dialog.open_button.text() == "Create vault"
    assert str(path) in dialog.intro.text() and "master password" in dialog.intro.text()
    QTest.keyClicks(dialog.password, PASSWORD)
    QTest.keyClicks(dialog.confirm, PASSWORD + "x")
    QTest.keyClick(dialog.confirm, Qt.Key.Key_Return)  # one attempt, not two (the second would see empty fields)
    assert dialog.status.text() == "The two passwords differ: type the same master password twice."
    assert dialog.result() != QDialog.DialogCode.Accepted and not path.exists()
    QTest.keyClicks(dialog.password, "short")
    QTest.keyClicks(dialog.confirm, "short")
    press_open(dialog)
    assert "at least 8 characters" in dialog.status.text() and not path.exists()
    QTest.keyClicks(dialog.password, PASSWORD)
    QTest.keyClicks(dialog.confirm, PASSWORD)
    with qtbot.waitSignal(dialog.unlocked):
        press_open(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.vault is not None
    assert isinstance(dialog.vault, VaultKeyring)
    SecretStore(backend=dialog.vault).set("smtp/password", "kept")
    assert SecretStore(backend=VaultKeyring.unlock(path, PASSWORD)).get("smtp/password") == "kept"


def test_a_wrong_password_says_so_and_the_trader_can_retry(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "secrets.vault"
    SecretStore(backend=VaultKeyring.create(path, PASSWORD)).set("api/strategy/momo", "tok")
    dialog = vault_dialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.confirm.isVisibleTo(dialog) and dialog.open_button.text() == "Unlock"
    QTest.keyClicks(dialog.password, "not the password")
    press_open(dialog)
    assert "Wrong master password" in dialog.status.text()
    assert "Try again, or press Continue without secrets." in dialog.status.text()
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.vault is None
    assert dialog.password.text() == ""
    QTest.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(dialog.unlocked):
        QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert isinstance(dialog.vault, VaultKeyring)
    assert SecretStore(backend=dialog.vault).get("api/strategy/momo") == "tok"


def test_continue_without_secrets_opens_nothing_and_writes_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "secrets.vault"
    dialog = vault_dialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    QTest.keyClicks(dialog.password, PASSWORD)
    QTest.mouseClick(dialog.skip_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.vault is None
    assert not path.exists()


def test_a_damaged_vault_is_named_and_left_alone(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "secrets.vault"
    path.write_bytes(b"not a vault at all")
    dialog = vault_dialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    QTest.keyClicks(dialog.password, PASSWORD)
    press_open(dialog)
    assert "not a TradeTerm vault" in dialog.status.text() and "Continue without secrets" in dialog.status.text()
    assert "has not changed it" in dialog.status.text()
    assert str(path) in dialog.status.text()
    assert path.read_bytes() == b"not a vault at all"
