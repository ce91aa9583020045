"""GUI tests run their coroutines on qasync's loop, as the application does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, Any]:
    import qasync
    from PySide6.QtWidgets import QApplication

    class TestLoop(qasync.QEventLoop):  # type: ignore[misc,name-defined]
        """qasync's loop, whose close() also stops the Qt timers of callbacks still pending.

        qasync's close() leaves them registered with Qt; a test makes a loop per test, and when one
        of those old loops' timer objects was collected in the middle of Qt firing timers, Qt fired
        one at the freed object (a segfault in QTimerInfoList::activateTimers, seen whenever the
        collector's timing shifted). The application makes one loop for its whole life.
        """

        def close(self) -> None:
            timer = self._timer
            pending = timer._SimpleTimer__callbacks  # qasync keeps them by Qt timer id
            for timer_id in list(pending):
                timer.killTimer(timer_id)
            pending.clear()
            super().close()

    def factory() -> qasync.QEventLoop:
        app = QApplication.instance() or QApplication([])
        return TestLoop(app)

    return {"qasync": factory}
