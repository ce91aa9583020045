"""Kill a native-bracket child (native_crash_child.py) at a point, restart a session on its data dir against the same
simulator, and check every leg: the broker has the bracket at most once (never resent) and our books agree.

Shared by tests/adapters/test_native_bracket_crash.py and bench/native_bracket_crash_points.py.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

from core.domain import Order, OrderStatus
from core.domain.protection import BRACKET_LEGS, child_order_id
from core.services.bus import EventBus
from core.services.reconciliation import NEVER_SENT
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.native_crash_child import ACCOUNT, NOT_KILLED, NativePoint, adapter
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.oanda.server import OandaSimulator

ROOT = Path(__file__).resolve().parents[2]
Simulator = AlpacaSimulator | OandaSimulator


def broker_of(sim: Simulator) -> str:
    return "alpaca" if isinstance(sim, AlpacaSimulator) else "oanda"


def token_of(sim: Simulator) -> str:
    if isinstance(sim, AlpacaSimulator):
        return f"{sim.api_key}:{sim.api_secret}"
    return f"{sim.exchange.account_id}@{sim.token}"


def sent(sim: Simulator, entry: str | None = None) -> int:
    """How many times the broker was sent a bracket (of entry, if given): POSTs booked under its id."""
    if isinstance(sim, AlpacaSimulator):
        return sum(1 for o in sim.exchange.orders.values() if o["id"] in sim.exchange.multi_leg.legs_of
                   and (entry is None or o["client_order_id"] == entry))
    return sum(1 for t in sim.exchange.transactions if t["type"] == "LIMIT_ORDER"
               and (entry is None or (t.get("clientExtensions") or {}).get("id") == entry))


async def kill_child(sim: Simulator, data_dir: Path, point: NativePoint) -> int:
    """Run the child to its death at point; return its exit status (-SIGKILL when it died there)."""
    command = [sys.executable, "-m", "tests.adapters.native_crash_child", broker_of(sim), str(data_dir), sim.root,
               token_of(sim), point.value]
    child = await asyncio.to_thread(subprocess.run, command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    if child.returncode not in (-signal.SIGKILL, NOT_KILLED):
        sys.stderr.write(child.stderr[-2000:])
    return child.returncode


async def restart_and_check(sim: Simulator, data_dir: Path, point: NativePoint) -> tuple[str, list[Order]]:
    """Restart on data_dir and reconcile with sim; return ("", legs) when every leg went out at most once and our
    books agree with the broker, else (what is wrong, legs)."""
    journal = SqliteJournal(data_dir / "journal.sqlite")
    session = TradingSession(EventBus(), journal)
    made = adapter(broker_of(sim), sim.root, token_of(sim), session.bus.publish)
    session.add_account(made)
    legs: list[Order] = []
    try:
        session.restore()
        entries = [o for o in session.oms.orders() if str(o.client_order_id).startswith("T")]
        if len(entries) != 1:
            return f"{len(entries)} entries journaled", legs
        entry = entries[0]
        found = [session.oms.get(child_order_id(entry.client_order_id, leg)) for leg in BRACKET_LEGS]
        legs = [entry, *(leg for leg in found if leg is not None)]
        if len(legs) != 3:
            return "a child was not journaled with its entry", legs
        if any(o.status not in (OrderStatus.UNKNOWN, OrderStatus.SUBMITTED) for o in legs):
            return f"not in flight at the crash: {[o.status.value for o in legs]}", legs
        await session.connect(ACCOUNT)
        await asyncio.sleep(0.3)  # anything resent would reach the simulator meanwhile
        times = sent(sim, str(entry.client_order_id))
        statuses = [o.status for o in legs]
        if point is NativePoint.AFTER_COMMIT:
            expected, good = 0, all(s is OrderStatus.CANCELED for s in statuses) and all(
                o.reason == NEVER_SENT for o in legs)
        else:
            expected, good = 1, all(s is OrderStatus.ACCEPTED for s in statuses)
        if times != expected or not good:
            return f"sent {times} time(s), ours {[s.value for s in statuses]}", legs
        if point is not NativePoint.AFTER_COMMIT:
            await session.cancel(entry.client_order_id)  # the broker ends the legs with it; our books follow
            for _ in range(300):
                if all(o.status is OrderStatus.CANCELED for o in legs):
                    break
                await asyncio.sleep(0.01)
            else:
                return f"the legs did not end with their entry: {[o.status.value for o in legs]}", legs
        return "", legs
    finally:
        await session.close()
        await made.disconnect()
        journal.close()
