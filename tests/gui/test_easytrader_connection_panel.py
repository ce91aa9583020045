"""The easytrader connection panel as a trader uses it: no-auth warning, passwords to the keyring, progress, errors."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from core.adapters.easytrader.config import CLIENT_TYPES, EasytraderConfig
from gui.brokers.easytrader import EasytraderConnectionPanel


class Keyring:
    def __init__(self, fail: bool = False) -> None:
        self.saved: dict[str, str] = {}
        self.fail = fail

    def save(self, field: str, value: str) -> None:
        if self.fail:
            raise RuntimeError("the keyring is locked: unlock it and try again")
        self.saved[field] = value

    def has(self, field: str) -> bool:
        return field in self.saved


def make_panel(qtbot: QtBot, keyring: Keyring) -> EasytraderConnectionPanel:
    panel = EasytraderConnectionPanel(list(CLIENT_TYPES.items()), keyring.save, keyring.has)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_the_panel_warns_that_the_server_has_no_authentication(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, Keyring())
    assert panel.objectName() == "easytraderConnectionPanel"
    assert panel.warning.isVisible() and "no authentication" in panel.warning.text()
    assert panel.port.value() == 1430
    assert panel.password.echoMode() is QLineEdit.EchoMode.Password
    assert panel.comm_password.echoMode() is QLineEdit.EchoMode.Password


def test_prepare_sends_passwords_to_the_keyring_and_settings_without_them(qtbot: QtBot) -> None:
    keyring = Keyring()
    panel = make_panel(qtbot, keyring)
    panel.host.setText(" 192.168.1.20 ")
    panel.client_type.setCurrentIndex(panel.client_type.findData("ht_client"))
    panel.user.setText("880012345678")
    qtbot.keyClicks(panel.password, "s3cret")
    qtbot.keyClicks(panel.comm_password, "9q7z")
    panel.exe_path.setText(r"C:\htzqzyb2\xiadan.exe")
    with qtbot.waitSignal(panel.prepare_requested) as signal:
        qtbot.mouseClick(panel.prepare_button, Qt.MouseButton.LeftButton)
    settings = signal.args[0]
    assert keyring.saved == {"password": "s3cret", "comm_password": "9q7z"}
    assert "s3cret" not in repr(settings) and "9q7z" not in repr(settings)
    assert panel.password.text() == "" and panel.comm_password.text() == ""
    config = EasytraderConfig.from_mapping(settings)
    assert (config.host, config.client_type, config.user) == ("192.168.1.20", "ht_client", "880012345678")
    assert not panel.prepare_button.isEnabled() and panel.progress.isVisible()


def test_prepare_without_a_password_asks_for_one_unless_the_keyring_has_it(qtbot: QtBot) -> None:
    keyring = Keyring()
    panel = make_panel(qtbot, keyring)
    panel.user.setText("880012345678")
    with qtbot.assertNotEmitted(panel.prepare_requested):
        qtbot.mouseClick(panel.prepare_button, Qt.MouseButton.LeftButton)
    assert "Type the login password" in panel.status.text() and panel.status.property("error")
    keyring.saved["password"] = "kept"
    panel.set_disconnected()
    assert "stored in the keyring" in panel.password.placeholderText()
    with qtbot.waitSignal(panel.prepare_requested):
        qtbot.mouseClick(panel.prepare_button, Qt.MouseButton.LeftButton)


def test_a_keyring_failure_is_shown_and_nothing_is_sent(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, Keyring(fail=True))
    panel.user.setText("880012345678")
    qtbot.keyClicks(panel.password, "s3cret")
    with qtbot.assertNotEmitted(panel.prepare_requested):
        qtbot.mouseClick(panel.prepare_button, Qt.MouseButton.LeftButton)
    assert "the keyring is locked" in panel.status.text()
    assert panel.password.text() == ""


def test_progress_steps_move_the_bar_and_an_error_is_shown_in_words(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, Keyring())
    panel.set_progress("Step 2 of 3: reading cash and positions…")
    assert (panel.progress.value(), panel.progress.maximum()) == (1, 3)
    assert panel.status.text().startswith("Step 2 of 3") and not panel.host.isEnabled()
    panel.show_error("The broker client did not log in (登录失败): check the user, password…")
    assert "登录失败" in panel.status.text() and panel.status.property("error")
    assert panel.prepare_button.isEnabled() and panel.host.isEnabled() and not panel.progress.isVisible()
    panel.set_connected("Connected to 华泰客户端.")
    assert panel.disconnect_button.isEnabled() and not panel.prepare_button.isEnabled()
    with qtbot.waitSignal(panel.disconnect_requested):
        qtbot.mouseClick(panel.disconnect_button, Qt.MouseButton.LeftButton)


def test_saved_settings_are_shown_again(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, Keyring())
    saved = EasytraderConfig(host="10.0.0.5", port=1431, client_type="yh_client", user="u1",
                             exe_path=r"C:\yh\xiadan.exe").to_mapping()
    panel.set_settings(saved)
    assert panel.settings() == {"host": "10.0.0.5", "port": 1431, "client_type": "yh_client", "user": "u1",
                                "exe_path": r"C:\yh\xiadan.exe"}
