"""AfterFirstPaint: run work the first screen need not wait for in the turn after the window's first paint."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

AFTER_FIRST_PAINT_AT_THE_LATEST_MS = 1000


class AfterFirstPaint(QObject):
    """Call `then` once, in the turn after the window's first paint: work the first screen need not wait for.

    A window that is never painted (started minimized, on a platform that then paints nothing) still gets
    `then` after AFTER_FIRST_PAINT_AT_THE_LATEST_MS.
    """

    def __init__(self, window: QWidget, then: Callable[[], object]) -> None:
        super().__init__(window)
        self._then: Callable[[], object] | None = then
        window.installEventFilter(self)
        QTimer.singleShot(AFTER_FIRST_PAINT_AT_THE_LATEST_MS, self, self._run)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._run)
        return False

    def _run(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            then()
