"""A real TradingSession with a SQLite journal and one paper account, as the app composes them, for session tests.

Test modules take the fixture by assignment: `session = paper_desk.session_fixture()` (connected and
reconciled) or `session_fixture(connect=False)` (restored only).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")


def session_fixture(*, connect: bool = True) -> Any:
    """Return a `session` fixture: the session with ACCOUNT added and restored; connect: connected too."""

    @pytest.fixture(name="session")
    async def session(tmp_path: Path) -> AsyncIterator[TradingSession]:
        bus = EventBus()
        made = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
        config = PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})
        made.add_account(PaperBroker(ACCOUNT, config, bus.publish))
        made.restore()
        if connect:
            await made.connect(ACCOUNT)
        yield made
        await made.close()
        made.journal.close()

    return session
