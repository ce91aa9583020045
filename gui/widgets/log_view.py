"""LogView: the trader-facing log of what happened, newest at the bottom."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import TypeAlias

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPaintEvent, QShowEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from core.services.log_redaction import SECRETS

_COLORS = {"ERROR": QColor("#c62828"), "WARNING": QColor("#b26a00")}
_FILE = logging.getLogger("tradeterm.window")  # gui/log_file.py writes it to the log file
_LEVELS = {"INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}
_Line: TypeAlias = tuple[str, str, datetime | None, float]
"""level, text, the time it says (None: when added), when it was added (time.time())."""
FRAME_MS = 33
"""Lines added within one frame are shown together (one document edit and one scroll, not one per line): the
window's frame (gui/models/flusher.py's DEFAULT_HZ), in whose pass the view flushes once it is registered."""


class LogView(QPlainTextEdit):
    """Read-only, bounded log (objectName 'logView').

    Lines are written to the log file every frame; they go into the document while the view is on screen, and
    while it is not (hidden, or its dock's tab behind the working orders', the default: see set_on_screen) they
    wait, the newest max_lines of them (what the document would keep), until it is shown or its text is read:
    inserting a line costs Qt ~20 us, more than the rest of an order's log line.

    The view is a Flushable (gui/models/flusher.py): registered with the window's frame flusher it flushes in the
    flusher's pass with the grids, one wake-up of the GUI thread a frame for all of them; unregistered (alone, in a
    test) it flushes on a frame timer of its own.
    """

    def __init__(self, parent: QWidget | None = None, max_lines: int = 5000) -> None:
        super().__init__(parent)
        self.setObjectName("logView")
        self.setReadOnly(True)
        self.setMaximumBlockCount(max_lines)
        self.setUndoRedoEnabled(False)
        self._pending: list[_Line] = []
        self._unshown: deque[_Line] = deque(maxlen=max_lines)
        self._on_screen = True
        self._stamp_second = -1
        self._stamp_text = ""
        self._formats = {level: _format(level) for level in ("INFO", "WARNING", "ERROR")}
        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self.flush)
        self._on_pending: Callable[[], None] | None = None
        """The frame flusher's wake, once registered with one (else the frame timer flushes)."""

    def add(self, level: str, text: str, when: datetime | None = None) -> None:
        """Append one line: local time, level (when not INFO), text; shown in the dock and written to the log file
        by frame, with the time it was added.

        A burst of orders (a basket, a strategy, 64 in flight) says one line each: inserting, scrolling and
        writing the file per line cost more than the order itself, so the lines of a frame go out together
        (the window's shutdown writes the last frame's lines before the log file closes).
        """
        pending = self._pending
        pending.append((level, text, when, time.time()))
        if len(pending) == 1:  # the first since the last flush (asking Qt's QTimer.isActive at every line cost ~4 us)
            self._arm()

    @property
    def has_pending(self) -> bool:
        """True when lines wait for the log file, or for the document while the view is on screen."""
        return bool(self._pending) or (bool(self._unshown) and self._on_screen and self.isVisible())

    def set_pending_callback(self, callback: Callable[[], None] | None) -> None:
        """Flush in the pass of the flusher whose wake callback is (None: on the view's own frame timer again)."""
        self._on_pending = callback
        self._frame.stop()
        if self.has_pending:
            self._arm()

    def _arm(self) -> None:
        """Have the next frame flush the view: wake the flusher, or start the frame timer."""
        if self._on_pending is not None:
            self._on_pending()
        else:
            self._frame.start()

    def flush(self) -> None:
        """Write every line added since the last frame to the log file and show it if the view is visible (called
        by the frame timer, before reading the text, and at shutdown)."""
        self._frame.stop()
        if self._pending:
            pending, self._pending = self._pending, []
            _write_file(pending)  # its handlers mask each line as every handler does (core/services/log_redaction.py)
            self._unshown.extend(pending)
        if self._unshown and self._on_screen and self.isVisible():
            self._show_lines()

    def set_on_screen(self, on_screen: bool) -> None:
        """Say whether the trader can see the view (its dock's visibilityChanged: a dock whose tab is behind
        another's stays visible to Qt, moved out of the window); from False to True the waiting lines are shown."""
        self._on_screen = on_screen
        if on_screen and self.isVisible():
            self._show_lines()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._on_screen:
            self._show_lines()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._unshown and not self._on_screen:  # painted, so on screen whatever its dock said: lines next frame
            self._on_screen = True
            self._arm()
        super().paintEvent(event)

    def _show_lines(self) -> None:
        """Insert the lines not yet in the document, in order, and scroll to the newest."""
        if not self._unshown:
            return
        lines = list(self._unshown)
        self._unshown.clear()
        if len(lines) >= self.maximumBlockCount():  # they replace every line shown: clearing beats trimming each
            self.document().clear()
        cursor = self.textCursor()
        cursor.beginEditBlock()
        cursor.movePosition(cursor.MoveOperation.End)
        run: list[str] = []
        run_level = lines[0][0]
        first = self.document().isEmpty()
        for level, text, when, at in lines:
            if level != run_level:
                first = self._insert(cursor, run_level, run, first)
                run, run_level = [], level
            stamp = when.astimezone().strftime("%H:%M:%S") if when is not None else self._stamp(at)
            prefix = "" if level == "INFO" else f"{level}: "
            run.append(f"{stamp}  {prefix}{SECRETS.redact(text)}")  # every line, whoever added it
        self._insert(cursor, run_level, run, first)
        cursor.endEditBlock()
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def _insert(self, cursor: QTextCursor, level: str, lines: list[str], first: bool) -> bool:
        """Insert a run of lines of one level (one edit: QTextCursor makes each newline a block); return False."""
        if lines:
            cursor.insertText(("" if first else "\n") + "\n".join(lines), self._formats.get(level) or _format(level))
        return first and not lines

    def _stamp(self, at: float) -> str:
        second = int(at)
        if second != self._stamp_second:
            self._stamp_second, self._stamp_text = second, time.strftime("%H:%M:%S", time.localtime(at))
        return self._stamp_text

    def toPlainText(self) -> str:
        self.flush()
        self._show_lines()
        return super().toPlainText()

    def lines(self) -> list[str]:
        return self.toPlainText().splitlines()


def _write_file(lines: list[_Line]) -> None:
    """Log each line to the window's log file (gui/log_file.py), stamped with the time it was added.

    Straight to the logger's handlers (Logger.handle: its filters, the handlers' redacting filters, propagation
    as Logger.log does), without Logger.log's look-up of the calling source line, which the file does not show;
    each line's record is a copy of one the frame makes (the same thread, process and source), with its own level,
    text and time: making a record per line cost a fifth of the line. The logger's own handlers are then flushed
    once for the whole frame.
    """
    if not lines:
        return
    first = _FILE.makeRecord(_FILE.name, logging.INFO, "(unknown file)", 0, "", (), None)
    kind, common, start = type(first), first.__dict__, logging._startTime  # type: ignore[attr-defined]
    for level, text, _, at in lines:
        number = _LEVELS.get(level, logging.INFO)
        if _FILE.isEnabledFor(number):
            record = kind.__new__(kind)
            fields = record.__dict__
            fields.update(common)
            fields["msg"], fields["levelno"], fields["levelname"] = text, number, logging.getLevelName(number)
            fields["created"], fields["msecs"] = at, int((at - int(at)) * 1000) + 0.0
            fields["relativeCreated"] = (at - start) * 1000
            _FILE.handle(record)
    for handler in _FILE.handlers:  # the log file writes a frame's lines with one write, not one per line
        handler.flush()


def _format(level: str) -> QTextCharFormat:
    fmt = QTextCharFormat()
    color = _COLORS.get(level)
    if color is not None:
        fmt.setForeground(color)
    return fmt
