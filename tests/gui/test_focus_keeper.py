"""The focus keeper: the main window gets the keyboard back when a dialog closes, without a Python call per event."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot

from gui.widgets.focus_keeper import FocusKeeper


def _window(qtbot: QtBot) -> QMainWindow:
    window = QMainWindow()
    window.setCentralWidget(QLineEdit(objectName="field"))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


@pytest.mark.parametrize("make", [lambda parent: QDialog(parent), lambda parent: QDialog(),
                                  lambda parent: QMessageBox(QMessageBox.Icon.Question, "Kill switch", "Halt?",
                                                             parent=parent)])
def test_the_window_gets_the_keyboard_back_when_a_dialog_closes(qtbot: QtBot, make: Any) -> None:
    window = _window(qtbot)
    FocusKeeper(window)
    for _ in range(2):  # and again after the first dialog
        dialog = make(window)
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitUntil(lambda dialog=dialog: QApplication.activeWindow() is dialog)
        dialog.done(0)
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_a_window_without_a_keeper_stays_without_the_keyboard_after_a_dialog(qtbot: QtBot) -> None:
    """What the keeper is for (the platform gives the keyboard to no one), so the test above means something."""
    window = _window(qtbot)
    dialog = QDialog(window)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.done(0)
    qtbot.wait(50)
    assert QApplication.activeWindow() is None


def test_the_keeper_sees_only_dialogs_events_not_every_event_of_the_application(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typing into the window's fields calls no Python filter (an application-wide one ran for every event of every
    widget: a third of a millisecond of the GUI thread per order sent)."""
    seen: list[str] = []
    original = FocusKeeper.eventFilter

    def counting(keeper: FocusKeeper, watched: QObject, event: QEvent) -> bool:
        seen.append(type(watched).__name__)
        return original(keeper, watched, event)

    monkeypatch.setattr(FocusKeeper, "eventFilter", counting)
    window = _window(qtbot)
    FocusKeeper(window)
    field = window.findChild(QLineEdit, "field")
    qtbot.keyClicks(field, "100")
    field.setText("250")
    window.repaint()
    assert field.text() == "250"
    assert seen == []
    dialog = QDialog(window)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.done(0)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert set(seen) == {"QDialog"}


def test_a_dialog_nobody_keeps_is_still_freed_once_closed(qtbot: QtBot) -> None:
    """The keeper watches the dialogs it saw without keeping them: a dialog shown, closed and dropped goes."""
    import gc

    window = _window(qtbot)
    FocusKeeper(window)
    gone: list[bool] = []

    def show_and_close() -> None:  # the dialog is this function's only reference to it
        dialog = QDialog()
        dialog.destroyed.connect(lambda *_: gone.append(True))
        dialog.open()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        dialog.done(0)

    show_and_close()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    gc.collect()
    assert gone == [True]
