"""The paper account's panel: each number says its default, and a saved number the trader empties goes back to it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from gui.brokers.paper_panel import PaperConnectionPanel


def make_panel(qtbot: QtBot) -> PaperConnectionPanel:
    panel = PaperConnectionPanel()
    qtbot.addWidget(panel)
    panel.show()
    return panel


def number(panel: PaperConnectionPanel, name: str) -> QLineEdit:
    found = panel.findChild(QLineEdit, f"paperConnectionPanel.{name}")
    assert found is not None
    return found


def connect(qtbot: QtBot, panel: PaperConnectionPanel) -> dict[str, object]:
    with qtbot.waitSignal(panel.connect_requested) as signal:
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    settings: dict[str, object] = signal.args[1]
    return settings


def test_each_number_says_its_default(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    assert [number(panel, n).placeholderText() for n in ("feeBps", "slippageBps", "tickIntervalS")] == [
        "0.5 (default)", "0 (default)", "0.25 (default)"]


def test_emptying_a_saved_number_sends_none_so_the_default_applies_again(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.set_settings({"fee_bps": "1.5", "tick_interval_s": 60.0})
    assert number(panel, "feeBps").text() == "1.5"
    number(panel, "feeBps").clear()
    assert connect(qtbot, panel) == {"fee_bps": None, "tick_interval_s": 60.0, "partial_fills": False}
    panel.set_disconnected()
    panel.set_settings({"slippage_bps": "2"})  # another account: the first one's numbers are not shown
    assert number(panel, "tickIntervalS").text() == "" and number(panel, "slippageBps").text() == "2"


def test_a_number_sent_then_emptied_in_the_same_panel_is_sent_as_none(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.account.setText("PAPER-2")
    number(panel, "feeBps").setText("1.5")
    assert connect(qtbot, panel) == {"fee_bps": "1.5", "partial_fills": False}
    panel.set_disconnected()
    number(panel, "feeBps").clear()
    assert connect(qtbot, panel) == {"fee_bps": None, "partial_fills": False}
