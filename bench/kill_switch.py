"""Kill switch to wire: N paper + N IB working orders, one kill switch, every cancel on the wire.

`python -m bench.kill_switch` builds the core as the app composes it (TradingSession, SQLite journal,
risk engine, a paper account and an IB account through ib_async) without the window, and an IB
account connected to the TWS simulator running in its own process (`--sim`), which stamps every
cancel it reads (cancelOrder 4, reqGlobalCancel 58) with the monotonic clock (shared by processes).
N resting orders go to each account, then the kill switch is pulled.

Figures, from the kill switch to each order's cancel: IB, until TWS read the message that cancels
it (the one reqGlobalCancel, or that order's cancelOrder); paper, until the paper broker reported it
canceled (the paper account has no wire); both, p50/p99/max over all 2N orders; and until every
order is confirmed canceled. The run is repeated with the IB orders canceled one by one (no bulk
cancel), the way before reqGlobalCancel: ib_async paces them at 45 messages a second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import REPO, emit, host_speed_ms, machine, ms, now, percentile

ORDERS = 100
RISK = {"global": {
    "max_order_qty": "10000", "max_order_notional": "1000000", "collar_pct": "50", "max_position": "1000000",
    "max_gross_exposure": "1000000000", "duplicate_window_s": "0.5", "max_orders_per_second": "100000",
    "max_orders_per_minute": "1000000", "max_working_orders": "100000",
}}


# --- the simulator side (its own process) --------------------------------------------------------

def run_sim(stamp_path: str) -> None:
    """Serve a TWS simulator that stamps every cancel message it reads; print its port; run until killed."""
    from tests.sims.tws.server import TwsSimulator

    out = open(stamp_path, "a", encoding="ascii", buffering=1)  # noqa: SIM115 - open for the process's life

    class StampingTwsSimulator(TwsSimulator):
        def _dispatch(self, conn: Any, msg_id: int, f: list[str]) -> None:
            if msg_id == 58:
                out.write(f"global {now()!r}\n")
            elif msg_id == 4:
                out.write(f"{f[2]} {now()!r}\n")
            super()._dispatch(conn, msg_id, f)

    async def serve() -> None:
        sim = StampingTwsSimulator(tick_interval_s=0.25)
        sim.faults.rest_orders = True
        await sim.start()
        print(f"PORT {sim.port}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


def _start_sim(stamp_path: Path) -> tuple[subprocess.Popen[str], int]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen([sys.executable, "-m", "bench.kill_switch", "--sim", str(stamp_path)],
                               cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("PORT "):
        process.kill()
        raise RuntimeError(f"the TWS simulator did not start: {line!r}")
    return process, int(line.split()[1])


def _read_stamps(path: Path) -> dict[str, float]:
    stamps: dict[str, float] = {}
    for line in path.read_text(encoding="ascii").splitlines():
        key, _, stamp = line.partition(" ")
        stamps.setdefault(key, float(stamp))
    return stamps


# --- the TradeTerm side --------------------------------------------------------------------------

async def _until(predicate: Any, what: str, timeout: float = 60.0) -> None:
    deadline = now() + timeout
    while not predicate():
        if now() > deadline:
            raise TimeoutError(f"kill_switch: gave up waiting for {what}")
        await asyncio.sleep(0.01)


async def _one_run(data_dir: Path, port: int, stamp_path: Path, orders: int, bulk: bool, run: int) -> dict[str, Any]:
    from core.adapters.ib.adapter import IbBroker
    from core.adapters.ib.config import IbConfig
    from core.adapters.paper.adapter import PaperBroker
    from core.adapters.paper.config import PaperConfig
    from core.domain import AccountId, OrderCanceled, OrderRequest, OrderStatus, OrderType, Side
    from core.services.bus import EventBus
    from core.services.risk import RiskConfig
    from core.services.session import TradingSession
    from core.storage.journal import SqliteJournal

    bus = EventBus()
    journal = SqliteJournal(data_dir / f"journal-{run}.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig.from_dict(RISK))
    paper_id, ib_id = AccountId("PAPER-1"), AccountId("IB-7")
    paper = PaperBroker(paper_id, PaperConfig.from_mapping({"state_path": str(data_dir / f"paper-{run}.json"),
                                                             "tick_interval_s": 60}), bus.publish)
    ib = IbBroker(ib_id, IbConfig.from_mapping({"host": "127.0.0.1", "port": port, "client_id": 7 + run,
                                                "symbols": ["AAPL"], "order_timeout_s": 10.0}), bus.publish)
    session.add_account(paper)
    session.add_account(ib)
    canceled_at: dict[str, float] = {}
    bus.subscribe(OrderCanceled, lambda e: canceled_at.setdefault(str(e.client_order_id), now()))
    try:
        for account in (paper_id, ib_id):
            await session.connect(account)
        await _until(lambda: session.quotes.latest("AAPL", str(ib_id)) is not None
                     and session.quotes.latest("AAPL", str(paper_id)) is not None, "quotes")
        placed = {}
        for account in (paper_id, ib_id):
            quote = session.quotes.latest("AAPL", str(account))
            assert quote is not None and quote.bid is not None
            for k in range(orders):
                price = (quote.bid * Decimal("0.9")).quantize(Decimal("0.01")) - Decimal("0.01") * k
                order = await session.submit(OrderRequest(account, "AAPL", Side.BUY, 1, OrderType.LIMIT, price))
                if order.status is not OrderStatus.ACCEPTED:
                    raise RuntimeError(f"kill_switch: {account} order {order.status.value}: {order.reason}")
                placed[str(order.client_order_id)] = order
        ib_ids = {coid: str(o.broker_order_id) for coid, o in placed.items() if o.account_id == ib_id}
        order_ids = {coid: str(ib._tracker.tracked[o.client_order_id].order_id)  # the id on the wire
                     for coid, o in placed.items() if coid in ib_ids}
        start = now()
        if bulk:
            await session.kill_switch("bench")
        else:
            await session.cancel_all()
        await _until(lambda: all(o.status is OrderStatus.CANCELED for o in placed.values()), "every cancel")
        confirmed = now() - start
        stamps = _read_stamps(stamp_path)
        wire: list[float] = []
        for coid in placed:
            if coid in order_ids:
                stamp = stamps.get(order_ids[coid]) or stamps.get("global")
                if stamp is None:
                    raise RuntimeError(f"kill_switch: no cancel of IB order {coid} reached TWS")
                wire.append(stamp - start)
            else:
                wire.append(canceled_at[coid] - start)
        ib_wire = wire[orders:]
        return {
            "bench": "kill_switch", "variant": "bulk" if bulk else "one_by_one",
            "paper_orders": orders, "ib_orders": orders,
            "ib_messages": sum(1 for k in stamps if k == "global") if bulk else len(ib_wire),
            "to_wire_p50_ms": ms(percentile(wire, 0.5)), "to_wire_p99_ms": ms(percentile(wire, 0.99)),
            "to_wire_max_ms": ms(max(wire)), "ib_to_wire_p99_ms": ms(percentile(ib_wire, 0.99)),
            "paper_canceled_p99_ms": ms(percentile(wire[:orders], 0.99)),
            "all_confirmed_ms": ms(confirmed),
        }
    finally:
        await session.close()
        journal.close()


def run(orders: int) -> list[dict[str, Any]]:
    records = []
    with tempfile.TemporaryDirectory(prefix="kill-switch-") as work:
        for index, bulk in enumerate((True, False)):
            data_dir = Path(work) / str(index)
            data_dir.mkdir()
            stamp_path = data_dir / "stamps.txt"
            stamp_path.touch()
            sim, port = _start_sim(stamp_path)
            try:
                records.append(asyncio.run(_one_run(data_dir, port, stamp_path, orders, bulk, index)))
            finally:
                sim.kill()
                sim.wait()
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.kill_switch", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=ORDERS, help="working orders per account")
    parser.add_argument("--sim", metavar="STAMP_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sim:
        run_sim(args.sim)
        return
    speed = host_speed_ms()
    for record in run(args.orders):
        emit({**record, "host_speed_ms": speed, **machine()})


if __name__ == "__main__":
    main()
