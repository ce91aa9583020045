"""End-to-end tests run on the application's event loop (qasync's, gui/event_loop.py)."""

from tests.gui.conftest import pytest_asyncio_loop_factories

__all__ = ["pytest_asyncio_loop_factories"]
