"""GUI tests run their coroutines on qasync's loop, as the application does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, Any]:
    import qasync
    from PySide6.QtWidgets import QApplication

    def factory() -> qasync.QEventLoop:
        app = QApplication.instance() or QApplication([])
        return qasync.QEventLoop(app)

    return {"qasync": factory}
