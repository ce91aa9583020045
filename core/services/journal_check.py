"""The journal's full integrity check after the first paint, and what a failed one does.

A journal that closed cleanly opens without SQLite's full check (storage/journal_integrity.py); this runs
it in a worker thread once the window is up. If the file is damaged: every account is HALTED (a hold no
Resume lifts), the journal refuses every further write (so no order can be journaled, hence none sent),
and the log says what happened and what to do. A check that passes notes its time in the journal.
"""

from __future__ import annotations

import asyncio
import logging

from core.domain import LogMessage, TradingState
from core.ports.journal import Journal, JournalError
from core.ports.journal_check import JournalCheck
from core.services.bus import EventBus
from core.services.risk.engine import HoldCause, RiskEngine

log = logging.getLogger(__name__)


async def check_journal_later(journal: Journal, risk: RiskEngine, bus: EventBus) -> bool | None:
    """Run the full check the open deferred, if it did; return True (sound), False (damaged) or None (not run)."""
    if not isinstance(journal, JournalCheck) or journal.open_check.full:
        return None
    try:
        message = await asyncio.to_thread(journal.verify)
    except JournalError as exc:  # closed meanwhile: the next session's open defers it again (or runs it)
        log.info("journal check after the first paint did not finish: %s", exc)
        return None
    if message is None:
        try:
            journal.record_verified()
        except JournalError as exc:
            log.warning("%s", exc)
        return True
    journal.refuse_writes(message)
    risk.hold(None, HoldCause.JOURNAL_DAMAGED, TradingState.HALTED, message)
    bus.publish(LogMessage("ERROR", message))
    log.error("%s", message)
    return False
