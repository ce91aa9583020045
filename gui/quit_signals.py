"""Ctrl+C in the terminal and SIGTERM (a logout, `kill`) close the window as its close button does.

Without this, Ctrl+C raised KeyboardInterrupt inside whichever Qt callback was running (a traceback, and the
window stayed open) and SIGTERM ended the process before the paper books and the journal were closed.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

log = logging.getLogger("tradeterm")

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class QuitOnSignals(QObject):
    """Call `close` (once per signal, on the Qt thread) on SIGINT or SIGTERM; `restore` puts the old handlers back.

    A socket pair is the signal wake-up fd, so Qt wakes and Python runs the handler at once even while no
    Python code is running.
    """

    def __init__(self, close: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._close = close
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._old = {number: signal.signal(number, self._on_signal) for number in SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _on_signal(self, number: int, _frame: FrameType | None) -> None:
        log.warning("%s received: closing TradeTerm (the accounts disconnect, the books are saved)",
                    signal.Signals(number).name)
        QTimer.singleShot(0, self._close)

    def _drain(self) -> None:
        try:
            while self._reader.recv(256):
                pass
        except BlockingIOError:
            pass

    def restore(self) -> None:
        for number, handler in self._old.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(self._old_fd)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()
