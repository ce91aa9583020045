"""FrameFlusher: one timer that flushes every registered grid model at most once per frame."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from gui.models.table_model import RowTableModel

DEFAULT_HZ = 30
PHASES = 2


class FrameFlusher(QObject):
    """Flush registered models on a frame timer that runs only while some model has pending work.

    Any number of upserts between two ticks costs one `flush()` per model. The timer is started
    by the first upsert after an idle spell (through the model's pending callback) and stopped by
    the tick that leaves nothing pending.

    Models take turns: the timer ticks PHASES times per frame and each tick flushes the models of
    its phase (by order of registration), so the watchlist and the positions grid are flushed, and
    then painted, half a frame apart instead of in one long turn of the event loop. Each model is
    still flushed once per frame.

    Events:
        flushed(int): after a tick, with the number of models that were flushed.
    """

    flushed = Signal(int)

    def __init__(self, hz: float = DEFAULT_HZ, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if hz <= 0:
            raise ValueError(f"hz: {hz!r} must be positive")
        self._models: list[RowTableModel] = []
        self._phase = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000 / hz / PHASES)))
        self._timer.timeout.connect(self._on_tick)

    @property
    def interval_ms(self) -> int:
        """Milliseconds between two flushes of a model while work is pending."""
        return self._timer.interval() * PHASES

    @property
    def is_ticking(self) -> bool:
        """True while the frame timer runs (some model had pending work at the last tick)."""
        return self._timer.isActive()

    def register(self, model: RowTableModel) -> None:
        """Flush model once per frame from now on; it wakes the timer whenever it gets work."""
        if model in self._models:
            return
        self._models.append(model)
        model.set_pending_callback(self._wake)

    def unregister(self, model: RowTableModel) -> None:
        """Stop flushing model."""
        if model in self._models:
            model.set_pending_callback(None)
            self._models.remove(model)

    def flush_now(self) -> None:
        """Flush every model with pending work immediately (e.g. before a screenshot or on shutdown)."""
        self._flush(self._models)

    def _wake(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _on_tick(self) -> None:
        self._phase = (self._phase + 1) % PHASES
        self._flush(self._models[self._phase::PHASES])

    def _flush(self, models: list[RowTableModel]) -> None:
        flushed = 0
        for model in models:
            if model.has_pending:
                model.flush()
                flushed += 1
        if not any(model.has_pending for model in self._models):
            self._timer.stop()
        if flushed:
            self.flushed.emit(flushed)
