"""Stop an Alpaca stream's reader task: one cancel, then wait a bounded time (the price and trade-update streams)."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


async def stop_task(task: asyncio.Task[None] | None, patience_s: float, what: str) -> None:
    """Cancel task and wait at most patience_s for it to end (our readers end on one cancel); say so if it did not."""
    if task is None:
        return
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=patience_s)
    if not done:
        log.error("%s did not stop within %g s", what, patience_s)
