"""MessageLine: a message that comes and goes repaints its line and moves nothing, one line or two."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from gui.widgets.message_line import MessageLine
from tests.layout_requests import LayoutRequests


@pytest.mark.parametrize("lines", [1, 2])
def test_a_new_message_shows_its_text_and_lays_out_nothing_again(qtbot: QtBot, lines: int) -> None:
    """The ticket's two-line risk verdict changes with every order (shown at the prefill, cleared at the send): each
    change re-laid out the whole form, measuring the wrapped text again, though nothing moved."""
    form = QWidget()
    qtbot.addWidget(form)
    layout = QVBoxLayout(form)
    field = QLineEdit()
    line = MessageLine("orderTicket.riskLabel", lines=lines)
    layout.addWidget(line)
    layout.addWidget(field)
    form.resize(300, 120)
    form.show()
    qtbot.waitExposed(form)
    QApplication.processEvents()
    height, below = line.height(), field.geometry()
    requests = LayoutRequests()
    form.installEventFilter(requests)
    verdicts = ["Risk: passes · 1,234.00 USD\nBuying power left: 8,766.00 USD",
                "Risk would refuse: the order is over the account's largest order", ""]
    for verdict in verdicts:
        line.setText(verdict)
        QApplication.processEvents()
        assert (line.text(), line.toolTip()) == (verdict, verdict)
    assert requests.count == 0
    assert (line.height(), field.geometry()) == (height, below)
    line.setText(verdicts[0])
    assert line.accessibleName() == verdicts[0]  # what a screen reader reads: the text it no longer gives QLabel
