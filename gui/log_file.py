"""The log file: every line of the window's Log dock, with its time and level, in <data dir>/logs/tradeterm.log.

The dock's lines go through the logger WINDOW_LOG (gui/widgets/log_view.py); the file handler carries the
redacting filter every handler has, so no secret reaches the file.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
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


def open_log_file(folder: Path) -> logging.Handler:
    """Write the Log dock's lines to folder/tradeterm.log (rotated at 5 MB, 5 kept); return the handler."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = _RotatingLog(folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    install_redaction([handler])
    logger = logging.getLogger(WINDOW_LOG)
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return handler


def close_log_file(handler: logging.Handler) -> None:
    logging.getLogger(WINDOW_LOG).removeHandler(handler)
    handler.close()
