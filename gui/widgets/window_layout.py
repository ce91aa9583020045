"""WindowLayout: where the main window's docks sit — restored at start, saved on close, reset on demand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QByteArray, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow

from gui.widgets.docks import MainDocks


class LayoutSettings(Protocol):
    """Where the layout is kept (the settings store)."""

    def window_geometry(self) -> bytes | None: ...

    def window_state(self) -> bytes | None: ...

    def set_window_layout(self, geometry: bytes, state: bytes) -> None: ...


class WindowLayout:
    """Restore window's saved geometry and dock state; Reset layout goes back to the docks as first built.

    A layout that cannot be saved is reported with report(text): the window closes all the same.
    """

    def __init__(self, window: QMainWindow, docks: MainDocks, settings: LayoutSettings,
                 report: Callable[[str], None]) -> None:
        self._window = window
        self._docks = docks
        self._settings = settings
        self._report = report
        self._default_state = window.saveState()
        geometry, state = settings.window_geometry(), settings.window_state()
        if geometry is not None:
            window.restoreGeometry(QByteArray(geometry))
        if state is not None:
            window.restoreState(QByteArray(state))

    def first_shown(self) -> None:
        """Size the docks once the window has its size (call from the first showEvent)."""
        state = self._settings.window_state()
        if state is None:
            self._docks.apply_default_sizes(self._window)
        else:
            # Again, now that the window has its size: restored before it, the docks were laid
            # out in a smaller window and came back narrower (the watchlist clipped its last column).
            self._window.restoreState(QByteArray(state))
        QTimer.singleShot(0, self._window, self._capture_default_state)

    def _capture_default_state(self) -> None:
        if self._settings.window_state() is None:
            self._default_state = self._window.saveState()

    def reset(self) -> None:
        """Put every dock back where it started."""
        self._window.restoreState(self._default_state)
        self._docks.place_added(self._window)
        for dock in self._window.findChildren(QDockWidget):
            dock.show()
        self._docks.apply_default_sizes(self._window)

    def save(self) -> None:
        try:
            self._settings.set_window_layout(bytes(self._window.saveGeometry().data()),
                                             bytes(self._window.saveState().data()))
        except Exception as exc:  # a broken settings file must not stop the window from closing
            self._report(f"Layout not saved: {exc}")
