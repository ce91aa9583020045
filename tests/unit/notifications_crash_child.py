"""Child process for the outbox crash test: queue notifications while SMTP is down, then die by SIGKILL.

Usage: python -m tests.unit.notifications_crash_child OUTBOX_PATH SMTP_PORT
One fill is batched into a mail that fails (server down); a second is stored but not yet batched
(a long batch window). Then the process kills itself, as a crash would.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
from pathlib import Path

from core.domain import FillRecorded
from tests.factories import make_fill
from tests.unit.notifications_harness import FAST, build


async def main(outbox_path: Path, port: int) -> None:
    h = build(outbox_path, port)
    h.service.start()
    h.publish(FillRecorded(make_fill(trade_id="BEFORE-CRASH-1")))
    while not any(log.level == "WARNING" for log in h.logs):  # the first attempt failed: the mail waits
        await asyncio.sleep(0.01)
    h.service.settings = dataclasses.replace(FAST, batch_window_s=60)
    h.publish(FillRecorded(make_fill(trade_id="BEFORE-CRASH-2")))
    while len(h.outbox.pending_notifications()) < 1:
        await asyncio.sleep(0.01)
    print(f"queued: {h.outbox.unsent_count()} mail, {len(h.outbox.pending_notifications())} notification", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
