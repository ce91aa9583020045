"""LayoutRequests: an event filter counting the layout requests a widget gets (a text that re-lays out a form)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject


class LayoutRequests(QObject):
    """Install on a widget; `count` says how many times its layout was asked to run again."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        self.count += event.type() == QEvent.Type.LayoutRequest
        return False
