"""ToastWidget: a short, non-modal message at the right of the window that goes away by itself."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QWidget

SHOW_MS = 6000
MAX_LINES = 3
DRAW_EVERY_MS = 250
"""While messages keep coming, the toast is redrawn at most this often. Each draw costs the GUI thread about
1.5 ms (the label's new size lays out the whole main window again, docks and all): drawn once a pass of Qt's
loop, a Flatten's 1,000 fills took 13% of the GUI thread's time, 1.5-3 ms of its longest stretches."""
_COLORS = {"INFO": "#1565c0", "WARNING": "#ef6c00", "ERROR": "#c62828"}


class ToastWidget(QLabel):
    """Show the newest messages (up to MAX_LINES) for SHOW_MS over host's bottom-right corner; never takes focus.

    objectName 'toast'. A click hides it at once.
    """

    def __init__(self, host: QWidget, ceiling: Callable[[], int | None] | None = None) -> None:
        """ceiling: the y (in host) the toast stays above while it is shown, or None for none: the top of the
        bottom tab groups, whose Approve all and Cancel buttons a toast at the very bottom covered."""
        super().__init__(host)
        self._ceiling = ceiling
        self.setObjectName("toast")
        self.setWordWrap(True)
        self.setMaximumWidth(420)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self._lines: list[str] = []
        self._level = "INFO"
        self._sheet: str | None = None
        self._timer = QTimer(self, singleShot=True, interval=SHOW_MS)
        self._timer.timeout.connect(self._expire)
        self._burst = QTimer(self, singleShot=True, interval=DRAW_EVERY_MS)
        """Runs for DRAW_EVERY_MS from each draw: messages meanwhile are drawn once, when it fires."""
        self._burst.timeout.connect(self._end_burst)
        self._stale = False
        host.installEventFilter(self)
        self.hide()

    def show_message(self, text: str, level: str = "INFO") -> None:
        """Add text to the toast (the oldest line goes beyond MAX_LINES) and show it for SHOW_MS from now.

        A message is drawn at once; those that follow it within DRAW_EVERY_MS (a flatten's 1,000 fills) are
        drawn together when that time is up, and so on while they keep coming.
        """
        self._lines = [*self._lines, text][-MAX_LINES:]
        self._level = level
        if self._burst.isActive():
            self._stale = True
            return
        self._draw()
        self._burst.start()

    def _end_burst(self) -> None:
        if self._stale:
            self._stale = False
            self._draw()
            self._burst.start()

    def _draw(self) -> None:
        self.setText("\n".join(self._lines))
        sheet = (f"QLabel#toast {{ background: {_COLORS.get(self._level, _COLORS['INFO'])}; color: white; "
                 "padding: 8px 12px; border-radius: 6px; }")
        if sheet != self._sheet:  # setting the same sheet again re-polishes the label all the same
            self._sheet = sheet
            self.setStyleSheet(sheet)
        self.adjustSize()
        self._place()
        self.show()
        self.raise_()
        self._timer.start()

    def lines(self) -> list[str]:
        """Return the messages the toast shows now ([] while hidden)."""
        return list(self._lines) if self.isVisible() else []

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()  # any click dismisses it
        self._expire()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False

    def _place(self) -> None:
        host = self.parentWidget()
        if host is None:
            return
        margin = 16
        bottom = host.height() - margin - 24
        top = None if self._ceiling is None else self._ceiling()
        if top is not None and top - self.height() - margin >= 0:
            bottom = top - margin // 2
        self.move(host.width() - self.width() - margin, bottom - self.height())

    def _expire(self) -> None:
        self._timer.stop()
        self._burst.stop()
        self._stale = False
        self._lines = []
        self.hide()
