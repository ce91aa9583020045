"""WholeTabLabels: the main window's dock tabs show their whole titles, scrolling rather than eliding them.

QMainWindow makes the tab bar of each group of tabbed docks itself, eliding the titles on the right when the
group is narrow ("F…", "Fu…"): a trader cannot tell Fills from Funds. This filter sets every such tab bar,
as the window makes it, to keep its labels whole and to scroll (arrows at its end) when they do not fit.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QMainWindow, QTabBar


class WholeTabLabels(QObject):
    """Keep the labels of window's dock tab bars whole. objectName 'wholeTabLabels'."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("wholeTabLabels")
        for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            keep_whole(bar)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ChildPolished:
            child = event.child()  # type: ignore[attr-defined]
            if isinstance(child, QTabBar):
                keep_whole(child)
        return False


def keep_whole(bar: QTabBar) -> None:
    """Show bar's labels whole, with scroll arrows when they do not fit."""
    if bar.elideMode() is not Qt.TextElideMode.ElideNone:
        bar.setElideMode(Qt.TextElideMode.ElideNone)
    bar.setUsesScrollButtons(True)
