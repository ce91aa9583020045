"""The Kite panel as a trader uses it: keys to the keyring, Log in opens the browser, paste, session, re-login."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from gui.brokers.kite import KiteConnectionPanel

LOGIN_URL = "http://127.0.0.1:9/connect/login?v=3&api_key=demokey123"
REDIRECT = "http://127.0.0.1/kite-redirect?request_token=abc123&action=login&status=success"


class Keyring:
    def __init__(self) -> None:
        self.saved: dict[str, str] = {}
        self.opened: list[QUrl] = []

    def save(self, key: str, secret: str) -> None:
        self.saved = {"api_key": key, "api_secret": secret}

    def has_keys(self) -> bool:
        return bool(self.saved)

    def open(self, url: QUrl) -> bool:
        self.opened.append(url)
        return True


def make_panel(qtbot: QtBot, keyring: Keyring) -> KiteConnectionPanel:
    panel = KiteConnectionPanel(keyring.save, keyring.has_keys, lambda: LOGIN_URL, keyring.open)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def log_in(qtbot: QtBot, panel: KiteConnectionPanel, keyring: Keyring) -> str:
    qtbot.mouseClick(panel.login_button, Qt.MouseButton.LeftButton)
    assert keyring.opened[-1] == QUrl(LOGIN_URL)
    qtbot.keyClicks(panel.redirect, f"  {REDIRECT} ")
    with qtbot.waitSignal(panel.login_submitted) as pasted:
        qtbot.mouseClick(panel.submit_login, Qt.MouseButton.LeftButton)
    return str(pasted.args[0])


def test_keys_go_to_the_keyring_masked_and_log_in_is_enabled_only_then(qtbot: QtBot) -> None:
    keyring = Keyring()
    panel = make_panel(qtbot, keyring)
    assert panel.objectName() == "kiteConnectionPanel"
    assert not panel.login_button.isEnabled()
    assert panel.api_secret.echoMode() is QLineEdit.EchoMode.Password
    assert panel.api_key.echoMode() is QLineEdit.EchoMode.Password
    qtbot.keyClicks(panel.api_key, "demokey123")
    qtbot.mouseClick(panel.save_keys, Qt.MouseButton.LeftButton)
    assert "both" in panel.status.text() and keyring.saved == {}
    qtbot.keyClicks(panel.api_secret, "demosecret456")
    qtbot.mouseClick(panel.save_keys, Qt.MouseButton.LeftButton)
    assert keyring.saved == {"api_key": "demokey123", "api_secret": "demosecret456"}
    assert panel.api_key.text() == "" and panel.api_secret.text() == "", "secrets do not linger in the widgets"
    assert panel.login_button.isEnabled() and "keyring" in panel.status.text()


def test_login_then_relogin_after_the_session_ends(qtbot: QtBot) -> None:
    keyring = Keyring()
    keyring.save("demokey123", "demosecret456")
    panel = make_panel(qtbot, keyring)
    assert log_in(qtbot, panel, keyring) == REDIRECT
    panel.set_session(datetime(2026, 1, 6, 0, 30, tzinfo=UTC), "AB1234")
    assert "AB1234" in panel.expiry.text() and "06:00 IST" in panel.expiry.text()
    assert panel.redirect.text() == "" and not panel.relogin_prompt.isVisible()

    panel.ask_relogin("The Kite session has ended. Log in again in the Kite panel.")
    assert panel.relogin_prompt.isVisible() and "Log in again" in panel.relogin_prompt.text()
    assert "ended" in panel.expiry.text()
    assert log_in(qtbot, panel, keyring) == REDIRECT
    assert len(keyring.opened) == 2
    panel.set_session(datetime(2026, 1, 7, 0, 30, tzinfo=UTC), "AB1234")
    assert not panel.relogin_prompt.isVisible() and "07 Jan 06:00 IST" in panel.expiry.text()


def test_empty_paste_and_refused_login_say_what_to_do(qtbot: QtBot) -> None:
    keyring = Keyring()
    keyring.save("demokey123", "demosecret456")
    panel = make_panel(qtbot, keyring)
    with qtbot.assertNotEmitted(panel.login_submitted):
        qtbot.mouseClick(panel.submit_login, Qt.MouseButton.LeftButton)
    assert "request_token" in panel.status.text() and panel.status.property("error")
    panel.show_error("Kite refused the login: Token is invalid or has expired. Click Log in again.")
    assert "Log in again" in panel.status.text()
