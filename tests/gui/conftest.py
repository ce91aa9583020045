"""GUI tests run their coroutines on the application's event loop (qasync's, gui/event_loop.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.gui.model_checks import checked  # noqa: F401  # the table-model testers fixture, for every GUI test


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, Any]:
    from PySide6.QtWidgets import QApplication

    from gui.event_loop import EventLoop

    def factory() -> EventLoop:
        app = QApplication.instance() or QApplication([])
        return EventLoop(app)

    return {"qasync": factory}
