"""DockTabFlasher: the tab of a dock that waits to be read flashes until the trader shows it."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QTabBar

FLASH_MS = 500
HIGHLIGHT = QColor("#ef6c00")


class DockTabFlasher(QObject):
    """Flash dock's tab (its text turns orange and back twice a second) until the dock is shown.

    objectName 'tabFlasher.<dock objectName>'. `start` does nothing while the dock is already in view; a
    window that is not active also asks the desktop for attention (a flashing taskbar entry).
    """

    def __init__(self, window: QMainWindow, dock: QDockWidget) -> None:
        super().__init__(window)
        self.setObjectName(f"tabFlasher.{dock.objectName()}")
        self._window, self._dock = window, dock
        self._lit = False
        self._timer = QTimer(self, interval=FLASH_MS)
        self._timer.timeout.connect(self._toggle)
        dock.visibilityChanged.connect(self._on_visibility_changed)

    def is_flashing(self) -> bool:
        return self._timer.isActive()

    def in_view(self) -> bool:
        """Return whether the trader can see the dock's contents now (its tab is the current one)."""
        widget = self._dock.widget()
        return widget is not None and widget.isVisible() and not widget.visibleRegion().isEmpty()

    def start(self) -> None:
        if not self._window.isActiveWindow():
            QApplication.alert(self._window)
        if self.in_view() or self.is_flashing():
            return
        self._lit = False
        self._toggle()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._lit = True
        self._toggle()

    def tab(self) -> tuple[QTabBar, int] | None:
        """Return the tab bar and index of the dock's tab (None while the dock is not tabbed)."""
        title = self._dock.windowTitle()
        for bar in self._window.findChildren(QTabBar):
            for index in range(bar.count()):
                if bar.tabText(index) == title:
                    return bar, index
        return None

    def _toggle(self) -> None:
        self._lit = not self._lit
        found = self.tab()
        if found is not None:
            bar, index = found
            bar.setTabTextColor(index, HIGHLIGHT if self._lit else QColor())

    def _on_visibility_changed(self, visible: bool) -> None:
        if visible and self.is_flashing():
            self.stop()
