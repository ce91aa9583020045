"""BuildWhenShown: build a dock's content the first time the trader can see the dock, not before.

The chart and the P&L curve need pyqtgraph and numpy (about 50 MB and, on a 2-core VM, half a second of
imports). A dock tabbed behind another, or hidden by a saved layout, costs neither until its tab is raised or
it is shown; a dock in view is built in the next turn (the composition root starts this after the first paint).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDockWidget


def in_view(dock: QDockWidget) -> bool:
    """Return whether any of dock shows (a dock tabbed behind another is still isVisible(), but shows nothing)."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


class BuildWhenShown(QObject):
    """Call `build` once, in the turn after `dock` is first visible (the next turn if it is visible now)."""

    def __init__(self, dock: QDockWidget, build: Callable[[], object]) -> None:
        super().__init__(dock)
        self._build: Callable[[], object] | None = build
        self._dock = dock
        if in_view(dock):
            QTimer.singleShot(0, self, self._run)
        else:
            dock.visibilityChanged.connect(self._on_visibility_changed)

    @property
    def pending(self) -> bool:
        """Whether the content is still to be built."""
        return self._build is not None

    def _on_visibility_changed(self, visible: bool) -> None:
        if visible:
            self._dock.visibilityChanged.disconnect(self._on_visibility_changed)
            QTimer.singleShot(0, self, self._run)  # the tab shows at once (empty); its content a frame later

    def _run(self) -> None:
        build, self._build = self._build, None
        if build is not None:
            build()
