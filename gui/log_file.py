"""The log file: every line of the window's Log dock, with its time and level, in <data dir>/logs/tradeterm.log.

The dock's lines go through the logger WINDOW_LOG (gui/widgets/log_view.py); the file handler carries the
redacting filter every handler has, so no secret reaches the file.
"""

from __future__ import annotations

import logging
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Final, TextIO

from core.services.log_redaction import install as install_redaction

WINDOW_LOG: Final = "tradeterm.window"
LOG_FILE: Final = "tradeterm.log"
MAX_BYTES: Final = 5_000_000
BACKUPS: Final = 5
_MAX_CHAR_BYTES: Final = 4
"""The most bytes UTF-8 spends on one character."""


class _RotatingLog(RotatingFileHandler):
    """RotatingFileHandler that decides on rotation by the stream's own position and leaves flushing to its caller.

    The standard one stats the file twice and formats every line a second time before writing it (about a
    third of the cost of an order's log line); this one rotates once the file has reached max_bytes, so a
    file may end one line past it. It asks the stream its position (a text stream's tell() costs a line
    a third of the rest of its write) only when the lines written since the last answer could have filled the room
    left: each character counts as _MAX_CHAR_BYTES, the most UTF-8 spends on one. It writes a line into the
    stream's buffer and flushes only an ERROR at once: the Log dock flushes it after each frame's lines (one write
    for the frame, not one per line).
    """

    _room = 0
    """Characters that surely fit before the file reaches maxBytes (0: ask the stream its position)."""

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        if self.maxBytes <= 0:
            return False
        if self.stream is None:
            self.stream = self._open()
        if self._room > 0:
            return False
        left = self.maxBytes - self.stream.tell()
        self._room = max(left // _MAX_CHAR_BYTES, 0)
        return left <= 0

    def _open(self) -> TextIO:
        self._room = 0  # a stream opened (at rollover too) is asked its position before the next line
        return super()._open()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.shouldRollover(record):
                self.doRollover()
            if self.stream is None:
                self.stream = self._open()
            line = self.format(record) + self.terminator
            self.stream.write(line)
            self._room -= len(line)
            if record.levelno >= logging.ERROR:
                self.stream.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


class _StampFormatter(logging.Formatter):
    """The standard time stamp ('2026-12-07 09:30:01,234'), its date and time formatted once a second, not per line."""

    def __init__(self, fmt: str) -> None:
        super().__init__(fmt)
        self._second = -1
        self._text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._second, self._text = second, time.strftime(self.default_time_format, self.converter(second))
        return f"{self._text},{int(record.msecs):03d}"


def open_log_file(folder: Path) -> logging.Handler:
    """Write the Log dock's lines to folder/tradeterm.log (rotated at 5 MB, 5 kept); return the handler."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = _RotatingLog(folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(_StampFormatter("%(asctime)s %(levelname)s %(message)s"))
    install_redaction([handler])
    logger = logging.getLogger(WINDOW_LOG)
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return handler


def close_log_file(handler: logging.Handler) -> None:
    logging.getLogger(WINDOW_LOG).removeHandler(handler)
    handler.close()
