"""FocusKeeper: give the keyboard back to the main window when one of its dialogs closes.

A window manager does that; on a bare X server (Xvfb, a kiosk) no one does, the keyboard goes nowhere,
and the toolbar's hotkeys (kill switch, resume) stop working after the first dialog.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from shiboken6 import isValid


class FocusKeeper(QObject):
    """Watch the application's dialogs; when the active one hides, activate window again.

    The dialogs are found when the keyboard moves (the application's focus window changes: a dialog that
    opens takes it), and only their own events are filtered: a filter on the application would call Python
    for every event of every widget (some 200 per order sent, a third of a millisecond of the GUI thread).
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._watched: weakref.WeakSet[QDialog] = weakref.WeakSet()
        """Weakly: a dialog nobody else keeps (shown and dropped) goes as it would without the keeper."""
        app = QApplication.instance()
        self._app = app if isinstance(app, QApplication) else None
        if self._app is not None:
            self._app.focusWindowChanged.connect(self._on_focus_window_changed)
            window.destroyed.connect(lambda *_: self.stop())

    def stop(self) -> None:
        """Stop watching (the window shuts down): a closed window that lives on (a reference kept) gives the
        keyboard to no one after it."""
        if self._app is not None:
            self._app.focusWindowChanged.disconnect(self._on_focus_window_changed)
            self._app = None
        for dialog in list(self._watched):
            if isValid(dialog):
                dialog.removeEventFilter(self)
        self._watched.clear()

    def _on_focus_window_changed(self, _window: QWindow | None) -> None:
        """Watch every dialog on screen (the one that took the keyboard among them) for as long as it lives."""
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget not in self._watched and widget.isVisible():
                self._watched.add(widget)
                widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (self._app is not None and event.type() == QEvent.Type.Hide and isinstance(watched, QDialog)
                and watched.isWindow() and QApplication.activeWindow() in (watched, None)):
            QTimer.singleShot(0, self, self._give_back)
        return False

    def _give_back(self) -> None:
        active = QApplication.activeWindow()
        if self._window.isVisible() and (active is None or not active.isVisible()):
            self._window.activateWindow()
