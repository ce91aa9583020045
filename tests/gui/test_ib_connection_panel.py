"""The IB connection panel as a trader uses it: presets, connect, the accounts TWS manages, errors in words."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.adapters.ib.config import PORT_PRESETS, IbConfig
from gui.brokers.ib import CUSTOM_PORT, IbConnectionPanel

PRESETS = [(int(port), label) for port, label in PORT_PRESETS.items()]


def make_panel(qtbot: QtBot) -> IbConnectionPanel:
    panel = IbConnectionPanel(PRESETS)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_port_presets_fill_the_port_and_a_custom_port_shows_as_custom(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    assert panel.objectName() == "ibConnectionPanel"
    assert panel.port.value() == 7497 and panel.port_preset.currentText() == "TWS paper (7497)"
    panel.port_preset.setCurrentIndex(panel.port_preset.findText("IB Gateway live (4001)"))
    assert panel.port.value() == 4001
    panel.port.setValue(7000)
    assert panel.port_preset.currentText() == CUSTOM_PORT
    panel.port.setValue(4002)
    assert panel.port_preset.currentText() == "IB Gateway paper (4002)"


def test_connect_emits_settings_the_adapter_config_accepts(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.host.setText(" localhost ")
    panel.client_id.setValue(17)
    panel.read_only.setChecked(True)
    with qtbot.waitSignal(panel.connect_requested) as signal:
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    settings = signal.args[0]
    assert settings == {"host": "localhost", "port": 7497, "client_id": 17, "account": "", "read_only": True}
    config = IbConfig.from_mapping(settings)
    assert (config.host, config.client_id, config.read_only) == ("localhost", 17, True)
    assert panel.progress.isVisible() and not panel.connect_button.isEnabled() and not panel.host.isEnabled()


def test_accounts_from_tws_fill_the_account_choice_after_connect(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.set_connecting()
    panel.set_managed_accounts(["DU111", "DU222"], "DU222")
    panel.set_connected()
    assert [panel.account.itemText(i) for i in range(panel.account.count())] == ["DU111", "DU222"]
    assert panel.account.currentText() == "DU222"
    assert not panel.progress.isVisible() and "DU222" in panel.status.text()
    with qtbot.waitSignal(panel.disconnect_requested):
        qtbot.mouseClick(panel.disconnect_button, Qt.MouseButton.LeftButton)


def test_client_id_conflict_is_shown_in_words_with_a_one_click_fix(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.client_id.setValue(5)
    panel.set_connecting()
    message = "Client id 5 is already in use by another program connected to TWS. Client id 6 is free: use it."
    panel.show_error(message, suggested_client_id=6)
    assert panel.status.text() == message and panel.status.property("error") is True
    assert panel.connect_button.isEnabled() and not panel.progress.isVisible()
    assert panel.use_suggested.isVisible() and panel.use_suggested.text() == "Use client id 6"
    with qtbot.waitSignal(panel.connect_requested) as signal:
        qtbot.mouseClick(panel.use_suggested, Qt.MouseButton.LeftButton)
    assert signal.args[0]["client_id"] == 6


def test_empty_host_is_refused_before_anything_is_sent(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.host.setText("  ")
    with qtbot.assertNotEmitted(panel.connect_requested):
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    assert "Enter the host" in panel.status.text()


def test_saved_settings_round_trip(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    saved = {"host": "10.0.0.5", "port": 4002, "client_id": 3, "account": "DU9", "read_only": False, "x": 1}
    panel.set_settings(saved)
    assert panel.settings() == {k: v for k, v in saved.items() if k != "x"}
    assert panel.port_preset.currentText() == "IB Gateway paper (4002)"
