"""DockTabFlasher: a dock waiting to be read comes to the front and flashes, never under the trader's hands."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

FLASH_MS = 500
HIGHLIGHT = QColor("#ef6c00")
FLASHES_IN_VIEW = 6
"""Brought to the front, the tab flashes this many times (light and back), then keeps its colour."""


class DockTabFlasher(QObject):
    """Flash dock's tab (its text turns orange and back twice a second) until the dock is shown.

    objectName 'tabFlasher.<dock objectName>'. `start` does nothing while the dock is already in view; a
    window that is not active also asks the desktop for attention (a flashing taskbar entry). `bring_forward`
    raises the dock's tab and flashes it FLASHES_IN_VIEW times, unless the trader is typing in a field the
    raise would hide: then the tab only flashes, until shown. The keyboard focus never moves.
    """

    def __init__(self, window: QMainWindow, dock: QDockWidget) -> None:
        super().__init__(window)
        self.setObjectName(f"tabFlasher.{dock.objectName()}")
        self._window, self._dock = window, dock
        self._lit = False
        self._left: int | None = None
        """Toggles left of a flash in view (None: flashing until the dock is shown)."""
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
        self._flash(None)

    def bring_forward(self) -> bool:
        """Raise the dock's tab and flash it; return False (and flash until shown) when the trader types in a
        field that the raise would hide. Whichever widget has the keyboard keeps it."""
        if not self._window.isActiveWindow():
            QApplication.alert(self._window)
        focus = QApplication.focusWidget()
        if focus is not None and typing_in(focus) and self._hides(focus):
            if not self.is_flashing():
                self._flash(None)
            return False
        self._dock.raise_()
        if focus is not None and QApplication.focusWidget() is not focus and focus.isVisible():
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self._timer.stop()
        self._flash(2 * FLASHES_IN_VIEW)
        return True

    def stop(self) -> None:
        self._timer.stop()
        self._left = None
        self._lit = True
        self._toggle()

    def _flash(self, toggles: int | None) -> None:
        self._left = toggles
        self._lit = False
        self._toggle()
        self._timer.start()

    def _hides(self, widget: QWidget) -> bool:
        """Return whether raising the dock would hide widget (it sits in a dock tabbed with this one)."""
        holder: QObject | None = widget
        while holder is not None and not isinstance(holder, QDockWidget):
            holder = holder.parent()
        return isinstance(holder, QDockWidget) and holder in self._window.tabifiedDockWidgets(self._dock)

    def tab(self) -> tuple[QTabBar, int] | None:
        """Return the tab bar and index of the dock's tab (None while the dock is not tabbed)."""
        title = self._dock.windowTitle()
        for bar in self._window.findChildren(QTabBar):
            for index in range(bar.count()):
                if bar.tabText(index) == title:
                    return bar, index
        return None

    def _toggle(self) -> None:
        if self._left is not None and self._timer.isActive():
            self._left -= 1
            if self._left <= 0:
                self.stop()
                return
        self._lit = not self._lit
        found = self.tab()
        if found is not None:
            bar, index = found
            bar.setTabTextColor(index, HIGHLIGHT if self._lit else QColor())

    def _on_visibility_changed(self, visible: bool) -> None:
        if visible and self.is_flashing() and self._left is None:
            self.stop()


def typing_in(widget: QWidget) -> bool:
    """Return whether widget takes typed text (a field, a spin box, an editable combo box)."""
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, QLineEdit | QAbstractSpinBox | QTextEdit | QPlainTextEdit)
