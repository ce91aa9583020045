"""End-to-end tests run on qasync's loop, as the application does."""

from tests.gui.conftest import pytest_asyncio_loop_factories

__all__ = ["pytest_asyncio_loop_factories"]
