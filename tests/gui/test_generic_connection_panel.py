"""The generic connection panel as a trader uses it on the Alpaca and OANDA tabs: check boxes and lists where a
field takes yes/no or a few values, defaults and help in view, going live as an explicit act, typed settings sent,
settings saved by the older text-box panel shown right, and a bad number refused, naming the field, before any
connect."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit
from pytestqt.qtbot import QtBot

from core.adapters.alpaca import KIND as ALPACA
from core.adapters.alpaca.config import AlpacaConfig
from core.adapters.oanda import KIND as OANDA
from core.adapters.oanda.config import OandaConfig
from core.ports.broker_kind import BrokerKind
from gui.brokers.generic import GenericConnectionPanel


class Keyring:
    """What the panel handed to the keyring (the real keyring is the account set-up's, tested end to end)."""

    def __init__(self) -> None:
        self.saved: list[tuple[str, str]] = []

    def __call__(self, settings: Mapping[str, object], field: str, value: str) -> None:
        self.saved.append((field, value))


def make_panel(qtbot: QtBot, kind: BrokerKind, keyring: Keyring | None = None) -> GenericConnectionPanel:
    panel = GenericConnectionPanel(kind, keyring or Keyring())
    qtbot.addWidget(panel)
    panel.show()
    return panel


def box(panel: GenericConnectionPanel, name: str) -> QCheckBox:
    found = panel.findChild(QCheckBox, f"{panel.objectName()}.{name}")
    assert found is not None, f"{name} is a check box"
    return found


def combo(panel: GenericConnectionPanel, name: str) -> QComboBox:
    found = panel.findChild(QComboBox, f"{panel.objectName()}.{name}")
    assert found is not None, f"{name} is a list of choices"
    return found


def line(panel: GenericConnectionPanel, name: str) -> QLineEdit:
    found = panel.findChild(QLineEdit, f"{panel.objectName()}.{name}")
    assert found is not None, f"{name} is a line edit"
    return found


def connect(qtbot: QtBot, panel: GenericConnectionPanel) -> dict[str, object]:
    with qtbot.waitSignal(panel.connect_requested) as signal:
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    settings: dict[str, object] = signal.args[0]
    return settings


def refused(qtbot: QtBot, panel: GenericConnectionPanel) -> str:
    with qtbot.assertNotEmitted(panel.connect_requested):
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    assert panel.status.property("error") is True and panel.connect_button.isEnabled()
    return panel.status.text()


def test_the_alpaca_tab_shows_check_boxes_a_feed_list_and_the_defaults(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, ALPACA)
    assert box(panel, "paper").isChecked() and not box(panel, "liveConfirmed").isChecked()
    assert box(panel, "stream").isChecked() and box(panel, "quoteStream").isChecked()
    assert not box(panel, "extendedHours").isChecked()
    feed = combo(panel, "feed")
    assert [feed.itemText(i) for i in range(feed.count())] == ["iex", "sip", "delayed_sip"]
    assert feed.currentText() == "iex"
    assert line(panel, "pollIntervalS").placeholderText() == "2.0 (default)"
    assert line(panel, "symbols").placeholderText() == "AAPL, MSFT, SPY (default)"
    assert line(panel, "tradingRoot").placeholderText() == "empty: Alpaca's own"
    assert "trade_updates stream" in box(panel, "stream").toolTip()
    assert "pre-market" in box(panel, "extendedHours").toolTip()
    assert "iex for free accounts" in feed.toolTip()
    assert line(panel, "apiSecret").echoMode() is QLineEdit.EchoMode.Password
    assert panel.live_warning.isHidden(), "a paper account shows no real-money warning"


def test_the_oanda_tab_offers_practice_or_live_and_a_confirm_box(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, OANDA)
    environment = combo(panel, "environment")
    assert [environment.itemText(i) for i in range(environment.count())] == ["practice", "live"]
    assert environment.currentText() == "practice"
    assert not box(panel, "confirmLive").isChecked() and not box(panel, "confirmLive").isEnabled()
    assert line(panel, "heartbeatTimeoutS").placeholderText() == "20.0 (default)"
    assert line(panel, "restRoot").placeholderText() == "empty: the environment's host"


def test_going_live_says_real_money_and_needs_its_own_tick(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, ALPACA)
    confirm = box(panel, "liveConfirmed")
    assert not confirm.isEnabled(), "nothing to confirm on a paper account"
    box(panel, "paper").setChecked(False)
    assert panel.live_warning.isVisible() and "real money" in panel.live_warning.text()
    assert confirm.isEnabled() and not confirm.isChecked(), "unticking paper does not confirm live by itself"
    assert "Confirm live" in refused(qtbot, panel), "a live account unconfirmed does not connect"

    confirm.setChecked(True)
    assert panel.live_warning.isVisible() and "real money" in panel.live_warning.text()
    assert panel.connect_button.text() == "Connect live account"
    settings = connect(qtbot, panel)
    assert settings == {"paper": False, "live_confirmed": True}
    assert str(ALPACA.account_id(settings)) == "ALPACA-LIVE"


def test_back_to_paper_forgets_the_live_confirmation(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, ALPACA)
    box(panel, "paper").setChecked(False)
    box(panel, "liveConfirmed").setChecked(True)
    box(panel, "paper").setChecked(True)
    assert panel.live_warning.isHidden() and panel.connect_button.text() == "Connect"
    assert not box(panel, "liveConfirmed").isChecked() and not box(panel, "liveConfirmed").isEnabled()
    box(panel, "paper").setChecked(False)
    assert not box(panel, "liveConfirmed").isChecked(), "going live again asks for the tick again"


def test_oanda_live_environment_needs_confirm_live(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, OANDA)
    line(panel, "account").setText("101-004-1234567-001")
    combo(panel, "environment").setCurrentText("live")
    assert panel.live_warning.isVisible() and "real money" in panel.live_warning.text()
    assert "Confirm live" in refused(qtbot, panel)
    box(panel, "confirmLive").setChecked(True)
    settings = connect(qtbot, panel)
    assert settings == {"account": "101-004-1234567-001", "environment": "live", "confirm_live": True}
    config = OandaConfig.from_mapping(settings)
    assert config.live_refusal() is None


def test_connect_sends_typed_settings_and_only_what_the_trader_set(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, ALPACA)
    assert connect(qtbot, panel) == {}, "all defaults: settings.json stays minimal"
    panel.set_disconnected()
    combo(panel, "feed").setCurrentText("sip")
    box(panel, "extendedHours").setChecked(True)
    box(panel, "quoteStream").setChecked(False)
    line(panel, "symbols").setText("aapl, tsla NVDA")
    line(panel, "pollIntervalS").setText("0.5")
    settings = connect(qtbot, panel)
    assert settings == {"feed": "sip", "extended_hours": True, "quote_stream": False,
                        "symbols": ["aapl", "tsla", "NVDA"], "poll_interval_s": 0.5}
    config = AlpacaConfig.from_mapping(settings)
    assert config.symbols == ("AAPL", "TSLA", "NVDA") and config.poll_interval_s == 0.5


@pytest.mark.parametrize("saved", [
    {"paper": "false", "live_confirmed": "true", "stream": "no", "extended_hours": "yes"},  # the old text boxes
    {"paper": False, "live_confirmed": True, "stream": False, "extended_hours": True},
])
def test_saved_settings_old_strings_or_bools_show_and_connect_as_bools(qtbot: QtBot, saved: dict[str, object]) -> None:
    panel = make_panel(qtbot, ALPACA)
    panel.set_settings({**saved, "feed": "sip", "poll_interval_s": "0.5", "symbols": ["AAPL", "SPY"]})
    assert not box(panel, "paper").isChecked()
    assert box(panel, "liveConfirmed").isChecked() and box(panel, "liveConfirmed").isEnabled()
    assert not box(panel, "stream").isChecked() and box(panel, "extendedHours").isChecked()
    assert combo(panel, "feed").currentText() == "sip"
    assert line(panel, "pollIntervalS").text() == "0.5" and line(panel, "symbols").text() == "AAPL, SPY"
    assert panel.live_warning.isVisible()
    assert connect(qtbot, panel) == {"paper": False, "live_confirmed": True, "stream": False, "extended_hours": True,
                                     "feed": "sip", "symbols": ["AAPL", "SPY"], "poll_interval_s": 0.5}


def test_a_saved_setting_equal_to_the_default_is_kept_and_another_account_shows_its_own(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, ALPACA)
    panel.set_settings({"paper": "true", "feed": "iex"})
    assert connect(qtbot, panel) == {"paper": True, "feed": "iex"}, "what was saved is saved again, as typed values"
    panel.set_disconnected()
    panel.set_settings({"paper": False, "live_confirmed": True, "feed": "sip"})
    panel.set_settings({"poll_interval_s": 3})  # another account of the kind: the first one's values are gone
    assert box(panel, "paper").isChecked() and not box(panel, "liveConfirmed").isChecked()
    assert combo(panel, "feed").currentText() == "iex" and line(panel, "pollIntervalS").text() == "3"


def test_old_oanda_settings_show_the_live_environment_and_its_confirmation(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, OANDA)
    panel.set_settings({"account": "1", "environment": "live", "confirm_live": "yes", "symbols": ["EUR_USD"]})
    assert combo(panel, "environment").currentText() == "live" and box(panel, "confirmLive").isChecked()
    assert connect(qtbot, panel) == {"account": "1", "environment": "live", "confirm_live": True,
                                     "symbols": ["EUR_USD"]}


def test_a_bad_number_is_refused_naming_the_field_and_nothing_typed_is_lost(qtbot: QtBot) -> None:
    keyring = Keyring()
    panel = make_panel(qtbot, ALPACA, keyring)
    line(panel, "pollIntervalS").setText("fast")
    line(panel, "apiKey").setText("KEY")
    line(panel, "apiSecret").setText("SECRET")
    message = refused(qtbot, panel)
    assert "poll_interval_s" in message and "number of seconds" in message
    assert line(panel, "pollIntervalS").text() == "fast"
    assert line(panel, "apiKey").text() == "KEY" and line(panel, "apiSecret").text() == "SECRET"
    assert keyring.saved == [], "nothing goes to the keyring for settings that cannot connect"
    assert panel.focusWidget() is line(panel, "pollIntervalS"), "the cursor goes to the field to correct"

    line(panel, "pollIntervalS").setText("0.5")
    assert connect(qtbot, panel) == {"poll_interval_s": 0.5}
    assert keyring.saved == [("api_key", "KEY"), ("api_secret", "SECRET")]


def test_an_oanda_timeout_out_of_range_is_refused_naming_it(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, OANDA)
    line(panel, "account").setText("1")
    line(panel, "heartbeatTimeoutS").setText("900")
    assert "heartbeat_timeout_s" in refused(qtbot, panel)
    assert line(panel, "heartbeatTimeoutS").text() == "900"


def test_emptying_a_saved_field_sends_it_as_none_so_its_default_applies_again(qtbot: QtBot) -> None:
    """A trader who clears "Poll interval s" expects Alpaca's default again, not the value saved before."""
    panel = make_panel(qtbot, ALPACA)
    panel.set_settings({"poll_interval_s": 0.1, "symbols": ["AAPL"], "feed": "sip"})
    line(panel, "pollIntervalS").clear()
    assert line(panel, "pollIntervalS").placeholderText() == "2.0 (default)"
    assert connect(qtbot, panel) == {"poll_interval_s": None, "symbols": ["AAPL"], "feed": "sip"}
    panel.set_disconnected()
    line(panel, "symbols").clear()  # a field never saved and left empty is not sent at all
    panel.set_settings({"feed": "sip"})
    assert connect(qtbot, panel) == {"feed": "sip"}


def test_the_key_fields_read_api_key_and_api_secret(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, ALPACA)
    layout = panel.findChild(QFormLayout)
    labels = [layout.labelForField(edit).text() for edit in panel.secrets.values()]
    assert labels == ["API key", "API secret"]


def test_a_field_sent_then_emptied_in_the_same_panel_is_sent_as_none(qtbot: QtBot) -> None:
    """In the window: connect with a poll interval of 0.5, disconnect, empty it, connect: settings.json kept 0.5,
    because only settings shown at the panel's start counted as saved."""
    panel = make_panel(qtbot, ALPACA)
    line(panel, "pollIntervalS").setText("0.5")
    assert connect(qtbot, panel) == {"poll_interval_s": 0.5}
    panel.set_disconnected()
    line(panel, "pollIntervalS").clear()
    assert connect(qtbot, panel) == {"poll_interval_s": None}
    panel.set_disconnected()
    assert connect(qtbot, panel) == {}, "dropped once: nothing more to send"
