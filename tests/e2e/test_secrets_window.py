"""A machine without an OS keyring: the vault asked for once, the banner, the API panel, the e-mail dialog's Save.

The keyring is the one this Debian has: none (keyring finds only its fail backend and, in the dev
environment, keyrings.alt's plaintext one, which TradeTerm never takes).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import keyring.backend
import pytest
from keyring.backends import fail
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QToolBar

from core.storage.secrets import SecretStore
from core.storage.settings import SettingsError, SettingsStore
from core.storage.vault import VaultKeyring
from gui.app import create_main_window
from gui.controllers.mail import MailSetup
from gui.controllers.secrets import VAULT_FILE, SecretsSetup
from gui.controllers.strategies import StrategySetup
from gui.dialogs.email_settings import EmailSettingsDialog
from gui.dialogs.vault_dialog import VaultDialog
from gui.widgets.api_token_panel import ApiTokenPanel
from gui.widgets.main_window import MainWindow
from gui.widgets.secrets_banner import SecretsBanner
from tests.e2e.window_helpers import until

T = TypeVar("T")
MASTER = "correct horse battery"
SMTP_PASSWORD = "smtp-Secret-0451"


class FakePlaintextKeyring(fail.Keyring):
    """Stands for keyrings.alt's PlaintextKeyring, which keyring lists where it is installed."""

    priority = 0.5  # type: ignore[assignment]


FakePlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def no_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [fail.Keyring(), FakePlaintextKeyring()])


@asynccontextmanager
async def opened(data_dir: Path, ask: Callable[[Path], VaultKeyring | None]) -> AsyncIterator[MainWindow]:
    window = create_main_window(data_dir, "paper", connect=True, api_port=0, ask_vault=ask)
    window.resize(1500, 900)
    window.show()
    try:
        # The keyring is looked for (and the vault asked for) after the first paint: wait for it.
        await until(lambda: part(window, SecretsSetup).settled, "the keyring to be settled")
        yield window
    finally:
        window.close()
        await window.shutdown()


def part(window: MainWindow, kind: type[T]) -> T:
    return next(o for o in window.keep_alive if isinstance(o, kind))


@pytest.mark.usefixtures("no_os_keyring")
async def test_declining_the_vault_shows_a_banner_and_the_api_panel_says_it_is_off(tmp_path: Path) -> None:
    asked: list[Path] = []
    shown_when_asked: list[bool] = []

    def decline(path: Path) -> None:
        asked.append(path)
        windows = QApplication.topLevelWidgets()
        shown_when_asked.append(any(isinstance(w, MainWindow) and w.isVisible() for w in windows))

    async with opened(tmp_path, decline) as window:  # the trader declines
        assert asked == [tmp_path / VAULT_FILE], "the master password is asked for once, at start"
        assert shown_when_asked == [True], "asked over the window, which shows first (the keyring probe is slow)"
        banner = window.findChild(SecretsBanner, "secretsBanner")
        assert banner is not None and banner.isVisible()
        says = banner.text.text()
        assert "Secrets cannot be stored" in says and "gnome-keyring" in says and "Set up the vault" in says
        toolbar = window.findChild(QToolBar, "toolbar.trading")
        assert banner.mapTo(window, QPoint(0, 0)).y() < toolbar.mapTo(window, QPoint(0, 0)).y()
        assert banner.width() > window.width() * 0.9, "the banner spans the window's top"

        setup = part(window, StrategySetup)
        panel = window.findChild(ApiTokenPanel, "apiTokenPanel")
        await until(lambda: setup._serve is not None, "the strategy side to start")
        assert setup.server is None, "fail closed: no API without tokens"
        assert "127.0.0.1" not in panel.url_label.text() and panel.url_label.text().startswith("Off")
        assert "Set up the vault" in panel.status_label.text() and "gnome-keyring" in panel.status_label.text()
        assert not any(b.isEnabled() for b in (panel.create_button, panel.copy_button, panel.revoke_button,
                                                panel.auto_button))

        QTest.mouseClick(banner.set_up_button, Qt.MouseButton.LeftButton)
        dialog = window.findChild(VaultDialog, "vaultDialog")
        assert dialog is not None and dialog.isVisible() and dialog.creating
        QTest.keyClicks(dialog.password, MASTER)
        QTest.keyClicks(dialog.confirm, MASTER)
        QTest.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
        await until(lambda: setup.server is not None and setup.server.port != 0, "the API to listen once unlocked")
        assert setup.server is not None
        assert not banner.isVisible()
        assert panel.url_label.text() == setup.server.url
        QTest.keyClicks(panel.name_edit, "momo")
        QTest.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
        panel.select("momo")
        QTest.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
        token = QApplication.clipboard().text()
        assert len(token) >= 32
    vault_file = tmp_path / VAULT_FILE
    assert token.encode() not in vault_file.read_bytes()
    assert SecretStore(backend=VaultKeyring.unlock(vault_file, MASTER)).get("api/strategy/momo") == token


@pytest.mark.usefixtures("no_os_keyring")
async def test_email_not_saved_means_nothing_saved_and_cancel_leaves_settings_alone(tmp_path: Path) -> None:
    async with opened(tmp_path, lambda path: None) as window:
        settings_file = tmp_path / "settings.json"
        before = settings_file.read_bytes()
        window.findChild(QAction, "action.emailSettings").trigger()
        dialog = window.findChild(EmailSettingsDialog, "emailSettingsDialog")
        assert dialog is not None and dialog.isVisible()
        assert dialog.password.placeholderText() == "cannot be kept: no OS keyring or vault"
        QTest.keyClicks(dialog.host, "smtp.example.com")
        dialog.security.setCurrentIndex(dialog.security.findData("ssl"))
        QTest.keyClicks(dialog.username, "me@example.com")
        QTest.keyClicks(dialog.password, SMTP_PASSWORD)
        QTest.keyClicks(dialog.sender, "me@example.com")
        QTest.keyClicks(dialog.recipients, "desk@example.org")
        QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        status = dialog.status.text()
        assert status.startswith("Not saved: the password cannot be kept"), status
        assert "Set up the vault" in status and "gnome-keyring" in status
        assert "c62828" in dialog.password.styleSheet()
        assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
        assert settings_file.read_bytes() == before, "Not saved: the settings file is as it was"
        assert part(window, MailSetup).mailer is None, "no sending started"
        QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Rejected
        assert settings_file.read_bytes() == before
        assert SettingsStore(settings_file).email() == {}
        assert part(window, MailSetup).mailer is None


@pytest.mark.usefixtures("no_os_keyring")
async def test_with_the_vault_unlocked_at_start_secrets_work_and_no_banner_shows(tmp_path: Path) -> None:
    vault_file = tmp_path / VAULT_FILE
    VaultKeyring.create(vault_file, MASTER)
    async with opened(tmp_path, lambda path: VaultKeyring.unlock(path, MASTER)) as window:
        setup = part(window, StrategySetup)
        await until(lambda: setup.server is not None and setup.server.port != 0, "the strategy API to listen")
        assert window.findChild(SecretsBanner, "secretsBanner") is None
        window.findChild(QAction, "action.emailSettings").trigger()
        dialog = window.findChild(EmailSettingsDialog, "emailSettingsDialog")
        QTest.keyClicks(dialog.host, "smtp.example.com")
        dialog.security.setCurrentIndex(dialog.security.findData("ssl"))
        QTest.keyClicks(dialog.username, "me@example.com")
        QTest.keyClicks(dialog.password, SMTP_PASSWORD)
        QTest.keyClicks(dialog.sender, "me@example.com")
        QTest.keyClicks(dialog.recipients, "desk@example.org")
        QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted, dialog.status.text()
        assert part(window, MailSetup).mailer is not None
    assert SMTP_PASSWORD not in (tmp_path / "settings.json").read_text()
    assert SMTP_PASSWORD.encode() not in vault_file.read_bytes()
    assert SecretStore(backend=VaultKeyring.unlock(vault_file, MASTER)).get("smtp/password") == SMTP_PASSWORD


@pytest.mark.usefixtures("no_os_keyring")
async def test_a_settings_file_that_cannot_be_written_leaves_the_old_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault_file = tmp_path / VAULT_FILE
    SecretStore(backend=VaultKeyring.create(vault_file, MASTER)).set("smtp/password", "the-old-one")
    async with opened(tmp_path, lambda path: VaultKeyring.unlock(path, MASTER)) as window:
        window.findChild(QAction, "action.emailSettings").trigger()
        dialog = window.findChild(EmailSettingsDialog, "emailSettingsDialog")
        QTest.keyClicks(dialog.host, "smtp.example.com")
        dialog.security.setCurrentIndex(dialog.security.findData("ssl"))
        QTest.keyClicks(dialog.sender, "me@example.com")
        QTest.keyClicks(dialog.recipients, "desk@example.org")
        QTest.keyClicks(dialog.password, SMTP_PASSWORD)

        def refused(self: SettingsStore, document: object) -> None:
            raise SettingsError(f"Cannot write the settings file {self.path}: disk full")

        monkeypatch.setattr(SettingsStore, "save", refused)
        QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        assert dialog.status.text().startswith("Not saved: Cannot write the settings file")
        assert part(window, MailSetup).mailer is None
        monkeypatch.undo()
    assert SecretStore(backend=VaultKeyring.unlock(vault_file, MASTER)).get("smtp/password") == "the-old-one"
