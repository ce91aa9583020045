"""A TWS simulator in its own process that stamps the messages a benchmark times, the moment its reader has them.

A benchmark runs itself as `python -m <module> --sim STAMP_FILE` through start(); that child calls serve()
with the benchmark's stamp function, which turns a message (id, fields) and its arrival time into the line
written to STAMP_FILE (or None: not stamped). Arrival is CLOCK_MONOTONIC, shared by processes (common.now).
Orders rest at the simulator, so each is acknowledged and nothing else.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import REPO, now

Stamp = Callable[[int, list[str], float], str | None]
"""(message id, fields, arrival) -> the stamp line, without its newline, or None."""


def serve(stamp_path: str, stamp: Stamp) -> None:
    """Serve a stamping TWS simulator; print its port; run until killed."""
    from tests.sims.tws.server import TwsSimulator

    out = open(stamp_path, "a", encoding="ascii", buffering=1)  # noqa: SIM115 - open for the process's life

    class StampingTwsSimulator(TwsSimulator):
        """The project's TWS simulator; the benchmark's messages are stamped the moment their bytes are read."""

        def _dispatch(self, conn: Any, msg_id: int, f: list[str]) -> None:
            arrived = now()
            line = stamp(msg_id, f, arrived)
            if line is not None:
                out.write(f"{line}\n")
            super()._dispatch(conn, msg_id, f)

    async def run() -> None:
        sim = StampingTwsSimulator(tick_interval_s=0.25)
        sim.faults.rest_orders = True
        await sim.start()
        print(f"PORT {sim.port}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(run())


def start(module: str, stamp_path: Path) -> tuple[subprocess.Popen[str], int]:
    """Start `python -m module --sim stamp_path` (which calls serve); return the process and the simulator's port."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen([sys.executable, "-m", module, "--sim", str(stamp_path)],
                               cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("PORT "):
        process.kill()
        raise RuntimeError(f"the TWS simulator did not start: {line!r}")
    return process, int(line.split()[1])
