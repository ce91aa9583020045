"""select_all_on_click: a click into a number field that does not have the keyboard yet selects its text, so what the
trader types next replaces the number instead of landing inside it (a kept 5 and a typed 7 made 75)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QLineEdit


class _SelectAllOnClick(QObject):
    """Select a line edit's text at the release of the click that gave it the keyboard (a second click places the
    cursor; a drag keeps what it selected). Selected at the release, not after the focus: nothing typed meanwhile
    is ever selected."""

    def __init__(self, edit: QLineEdit) -> None:
        super().__init__(edit)
        self._clicked_in = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusIn and isinstance(event, QFocusEvent):
            self._clicked_in = event.reason() == Qt.FocusReason.MouseFocusReason
        elif kind == QEvent.Type.MouseButtonRelease and self._clicked_in and isinstance(watched, QLineEdit):
            self._clicked_in = False
            if not watched.hasSelectedText():
                watched.selectAll()
        elif kind in (QEvent.Type.KeyPress, QEvent.Type.FocusOut):
            self._clicked_in = False
        return False


def select_all_on_click(*edits: QLineEdit) -> None:
    """Make a click into each edit (when it does not have the keyboard) select its text, as Tab already does."""
    for edit in edits:
        edit.installEventFilter(_SelectAllOnClick(edit))  # owned by the edit: lives and dies with it
