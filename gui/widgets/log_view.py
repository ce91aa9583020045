"""LogView: the trader-facing log of what happened, newest at the bottom."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QTextCharFormat
from PySide6.QtWidgets import QPlainTextEdit, QWidget

_COLORS = {"ERROR": QColor("#c62828"), "WARNING": QColor("#b26a00")}
_FILE = logging.getLogger("tradeterm.window")  # gui/log_file.py writes it to the log file
FRAME_MS = 16
"""Lines added within one frame are shown together (one document edit and one scroll, not one per line)."""


class LogView(QPlainTextEdit):
    """Read-only, bounded log (objectName 'logView')."""

    def __init__(self, parent: QWidget | None = None, max_lines: int = 5000) -> None:
        super().__init__(parent)
        self.setObjectName("logView")
        self.setReadOnly(True)
        self.setMaximumBlockCount(max_lines)
        self.setUndoRedoEnabled(False)
        self._pending: list[tuple[str, str]] = []
        self._formats = {level: _format(level) for level in ("INFO", "WARNING", "ERROR")}
        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self.flush)

    def add(self, level: str, text: str, when: datetime | None = None) -> None:
        """Append one line: local time, level (when not INFO), text; the log file gets it at once, the dock by frame.

        A burst of orders (a basket, a strategy, 64 in flight) says one line each: inserting and scrolling
        per line cost more than the order itself, so the lines of a frame go into the document together.
        """
        _FILE.log(logging.getLevelName(level) if level in ("INFO", "WARNING", "ERROR") else logging.INFO, text)
        stamp = (when or datetime.now()).astimezone().strftime("%H:%M:%S")
        prefix = "" if level == "INFO" else f"{level}: "
        self._pending.append((level, f"{stamp}  {prefix}{text}"))
        if not self._frame.isActive():
            self._frame.start()

    def flush(self) -> None:
        """Show every line added since the last frame (called by the frame timer, and before reading the text)."""
        self._frame.stop()
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        cursor = self.textCursor()
        cursor.beginEditBlock()
        cursor.movePosition(cursor.MoveOperation.End)
        first = self.document().isEmpty()
        for level, line in pending:
            if not first:
                cursor.insertBlock()
            first = False
            cursor.insertText(line, self._formats.get(level) or _format(level))
        cursor.endEditBlock()
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def toPlainText(self) -> str:
        self.flush()
        return super().toPlainText()

    def lines(self) -> list[str]:
        return self.toPlainText().splitlines()


def _format(level: str) -> QTextCharFormat:
    fmt = QTextCharFormat()
    color = _COLORS.get(level)
    if color is not None:
        fmt.setForeground(color)
    return fmt
