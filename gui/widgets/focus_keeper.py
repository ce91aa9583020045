"""FocusKeeper: give the keyboard back to the main window when one of its dialogs closes.

A window manager does that; on a bare X server (Xvfb, a kiosk) no one does, the keyboard goes nowhere,
and the toolbar's hotkeys (kill switch, resume) stop working after the first dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget


class FocusKeeper(QObject):
    """Watch the application's dialogs (from `start`); when the active one hides, activate window again."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._app: QApplication | None = None
        self._stopped = False
        window.destroyed.connect(lambda *_: self.stop())

    def start(self) -> None:
        """Watch from now on. Started after the window's first paint: a filter on the application sees every event,
        and the build and first paint of the window send 5,000 of them (10 ms of the start in this filter)."""
        app = QApplication.instance()
        if not self._stopped and self._app is None and isinstance(app, QApplication):
            self._app = app
            app.installEventFilter(self)

    def stop(self) -> None:
        """Stop watching (the window shuts down): a filter on the application sees every event of every window,
        so one left behind by a closed window that lives on (a reference kept) slows everything after it."""
        self._stopped = True
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Hide and isinstance(watched, QDialog) and watched.isWindow()
                and QApplication.activeWindow() in (watched, None)):
            QTimer.singleShot(0, self, self._give_back)
        return False

    def _give_back(self) -> None:
        active = QApplication.activeWindow()
        if self._window.isVisible() and (active is None or not active.isVisible()):
            self._window.activateWindow()
