"""Child process for the waiting-stop crash test: a paper bracket whose entry rests below the market; its held stop
is moved (PENDING, before the fill), and the process dies by SIGKILL the moment the move returns.

Usage: python -m tests.unit.held_move_crash_child DATA_DIR
Prints one JSON line {"entry", "moved", "first"} before it dies; exit status NOT_KILLED means it never reached the kill.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from core.domain.protection import ProtectionLeg
from tests.unit.held_world import A1, bracket, buy, open_world

NOT_KILLED = 17


async def run(data_dir: Path) -> None:
    world = await open_world(data_dir)
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask - 1), bracket(str(ask - 5), str(ask + 5)))
    quote = world.session.quotes.latest("AAPL", A1)
    moved = world.session.protection.move(entry.client_order_id, ProtectionLeg.STOP_LOSS, ask - 2, quote)
    print(json.dumps({"entry": str(entry.client_order_id), "moved": str(moved.trigger), "first": str(ask - 5)}),
          flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    asyncio.run(run(Path(sys.argv[1])))
    sys.exit(NOT_KILLED)
