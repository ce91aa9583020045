"""Child process for the atomic-write crash tests: save a file once, then die by SIGKILL while saving it again.

Usage: python -m tests.unit.atomic_write_child WRITER PATH POINT
WRITER is one of WRITERS (each file TradeTerm writes and reads back); POINT is where the second save
dies: "rename" (the new contents written and fsynced, not yet renamed over the file) or "write" (half
of the new contents written). After the first save it copies the file to PATH.saved and prints
"old saved"; exits 0 if it was not killed.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from core.adapters.easytrader.order_map import MappedOrder, OrderMap
from core.adapters.paper.state_log import LogWriter
from core.adapters.state_json import write_json_atomically
from core.atomic_file import write_atomically
from core.domain import ClientOrderId, Side
from core.storage import SettingsStore

DAY = date(2026, 12, 4)


def save_helper(path: Path, generation: str) -> None:
    write_atomically(path, f"{generation} contents\n" * 1000)


def save_settings(path: Path, generation: str) -> None:
    SettingsStore(path).set_watchlist([generation.upper()] * 1000)


def save_books(path: Path, generation: str) -> None:
    write_json_atomically(str(path), {"version": 2, "generation": generation, "padding": [generation] * 1000})


def save_order_map(path: Path, generation: str) -> None:
    orders = OrderMap(str(path), DAY)
    orders.sending(MappedOrder(ClientOrderId(generation.upper()), "600519", Side.BUY, Decimal(100),
                               Decimal("1500.5"), datetime(2026, 12, 4, 10, 0)))


def save_paper_log(path: Path, generation: str) -> None:
    LogWriter(path).start(f"{generation}-log" + "-" * 4000, 2)


WRITERS: dict[str, Callable[[Path, str], None]] = {
    "helper": save_helper,
    "settings": save_settings,
    "paper books": save_books,
    "easytrader order map": save_order_map,
    "paper change log": save_paper_log,
}


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def crash_at(point: str) -> None:
    if point == "rename":
        os.replace = lambda *args, **kwargs: die()  # type: ignore[assignment]
    else:
        write = os.write

        def half_then_die(fd: int, data: bytes) -> int:
            write(fd, bytes(data[: len(data) // 2]))
            os.fsync(fd)
            die()
            return 0

        os.write = half_then_die  # type: ignore[assignment]


if __name__ == "__main__":
    writer, target, where = WRITERS[sys.argv[1]], Path(sys.argv[2]), sys.argv[3]
    writer(target, "old")
    target.with_name(target.name + ".saved").write_bytes(target.read_bytes())
    print("old saved", flush=True)
    crash_at(where)
    writer(target, "new")
