"""The log file: every line of the window's Log dock, with its time and level, in <data dir>/logs/tradeterm.log.

The dock's lines go through the logger WINDOW_LOG (gui/widgets/log_view.py); the file handler carries the
redacting filter every handler has, so no secret reaches the file.
"""

from __future__ import annotations

import logging
import queue
from logging.handlers import QueueHandler, QueueListener, RotatingFileHandler
from pathlib import Path
from typing import Final

from core.services.log_redaction import install as install_redaction

WINDOW_LOG: Final = "tradeterm.window"
LOG_FILE: Final = "tradeterm.log"
MAX_BYTES: Final = 5_000_000
BACKUPS: Final = 5


class _RotatingLog(RotatingFileHandler):
    """RotatingFileHandler that decides on rotation by the stream's own position.

    The standard one stats the file twice and formats every line a second time before writing it (about a
    third of the cost of an order's log line); this one rotates once the file has reached max_bytes, so a
    file may end one line past it.
    """

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        if self.maxBytes <= 0:
            return False
        if self.stream is None:
            self.stream = self._open()
        return bool(self.stream.tell() >= self.maxBytes)


class _WrittenAside(QueueHandler):
    """Hand each line to a writer thread: the event loop never waits for the log file's write.

    On this disk a write can wait behind the journal's fdatasync (same file system); an order's log
    line did, on the loop, once per order. The writer keeps the order of lines; closing drains it.
    The redacting filter is on the file handler, so it masks each line before it is written.
    """

    def __init__(self, target: logging.Handler) -> None:
        super().__init__(queue.SimpleQueue())
        self.target = target
        self._writer = QueueListener(self.queue, target, respect_handler_level=True)
        self._writer.start()
        self._writing = True

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record  # formatted and masked by the file handler, in the writer thread

    def close(self) -> None:
        if self._writing:  # once (logging closes every handler again at exit)
            self._writing = False
            self._writer.stop()  # writes every line handed over so far
            self.target.close()
        super().close()


def open_log_file(folder: Path) -> logging.Handler:
    """Write the Log dock's lines to folder/tradeterm.log (rotated at 5 MB, 5 kept) from a writer thread;
    return the handler (close_log_file writes what is still queued)."""
    folder.mkdir(parents=True, exist_ok=True)
    file = _RotatingLog(folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    install_redaction([file])
    handler = _WrittenAside(file)
    logger = logging.getLogger(WINDOW_LOG)
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return handler


def close_log_file(handler: logging.Handler) -> None:
    logging.getLogger(WINDOW_LOG).removeHandler(handler)
    handler.close()
