"""LogView: the trader-facing log of what happened, newest at the bottom."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtGui import QColor, QTextCharFormat
from PySide6.QtWidgets import QPlainTextEdit, QWidget

_COLORS = {"ERROR": QColor("#c62828"), "WARNING": QColor("#b26a00")}
_FILE = logging.getLogger("tradeterm.window")  # gui/log_file.py writes it to the log file


class LogView(QPlainTextEdit):
    """Read-only, bounded log (objectName 'logView')."""

    def __init__(self, parent: QWidget | None = None, max_lines: int = 5000) -> None:
        super().__init__(parent)
        self.setObjectName("logView")
        self.setReadOnly(True)
        self.setMaximumBlockCount(max_lines)
        self.setUndoRedoEnabled(False)

    def add(self, level: str, text: str, when: datetime | None = None) -> None:
        """Append one line: local time, level (when not INFO), text; the log file gets it too."""
        _FILE.log(logging.getLevelName(level) if level in ("INFO", "WARNING", "ERROR") else logging.INFO, text)
        stamp = (when or datetime.now()).astimezone().strftime("%H:%M:%S")
        fmt = QTextCharFormat()
        color = _COLORS.get(level)
        if color is not None:
            fmt.setForeground(color)
        prefix = "" if level == "INFO" else f"{level}: "
        cursor = self.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        if not self.document().isEmpty():
            cursor.insertBlock()
        cursor.insertText(f"{stamp}  {prefix}{text}", fmt)
        self.ensureCursorVisible()

    def lines(self) -> list[str]:
        return self.toPlainText().splitlines()
