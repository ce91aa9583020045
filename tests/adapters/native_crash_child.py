"""Child process for the Alpaca and OANDA native-bracket crash tests: a real session sends one native bracket (a
resting buy with a stop-loss and a take-profit) to the broker's simulator and dies by SIGKILL at a labelled point.

Usage: python -m tests.adapters.native_crash_child BROKER DATA_DIR ROOT TOKEN POINT
BROKER is "alpaca" or "oanda"; ROOT the simulator's REST root (http://127.0.0.1:PORT); TOKEN its key pair
("key:secret") or token; POINT a NativePoint value. The parent runs the simulator, which keeps its books across
the child's death, then restarts a session on DATA_DIR (native_crash_check.py) and checks every leg.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.adapters.alpaca.adapter import AlpacaBroker
from core.adapters.alpaca.config import AlpacaConfig
from core.adapters.oanda.adapter import OandaBroker
from core.adapters.oanda.config import OandaConfig
from core.domain import AccountId, Event, Order, OrderAccepted, OrderRequest, OrderType, Quote, Side
from core.domain.protection import Bracket
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("NATIVE-CRASH")
NOT_KILLED = 17
"""Exit status when the child reached the end without being killed at its point (the test fails on it)."""
SYMBOLS = {"alpaca": "AAPL", "oanda": "EUR_USD"}
OFFSETS = {"alpaca": Decimal("5"), "oanda": Decimal("0.0020")}
"""How far under the market the entry rests; the stop-loss and take-profit are as far again either side."""


class NativePoint(StrEnum):
    AFTER_COMMIT = "after_commit"  # every leg is journaled; nothing has gone to the broker
    AFTER_SEND = "after_send"  # the broker booked the bracket; its answer never reached the session
    AFTER_ACK = "after_ack"  # the broker's acknowledgement reached the adapter; it is not journaled


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class CrashingAlpaca(AlpacaBroker):
    point = NativePoint.AFTER_COMMIT

    async def submit_bracket(self, entry: Order, children: Sequence[Order]) -> list[BaseException | None]:
        if self.point is NativePoint.AFTER_COMMIT:
            die()
        if self.point is NativePoint.AFTER_SEND:
            submit = self._trading.submit_order

            def submit_then_die(request: Any) -> Any:
                submit(request)  # Alpaca has booked it; the answer dies with the process
                die()

            self._trading.submit_order = submit_then_die
        return await super().submit_bracket(entry, children)


class CrashingOanda(OandaBroker):
    point = NativePoint.AFTER_COMMIT

    async def submit_bracket(self, entry: Order, children: Sequence[Order]) -> list[BaseException | None]:
        if self.point is NativePoint.AFTER_COMMIT:
            die()
        if self.point is NativePoint.AFTER_SEND:
            request = self._client.request

            async def request_then_die(method: str, path: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
                answer = await request(method, path, *args, **kwargs)
                if method == "POST" and path == "/orders":
                    die()  # OANDA has booked it; the answer dies with the process
                return answer

            self._client.request = request_then_die  # type: ignore[method-assign]
        return await super().submit_bracket(entry, children)


def adapter(broker: str, root: str, token: str, sink: Any, point: NativePoint | None = None) -> Any:
    """Return the broker's adapter on the simulator (crashing at point, if given; the plain one if not)."""
    if broker == "alpaca":
        key, secret = token.split(":")
        config = AlpacaConfig.from_mapping({"trading_root": root, "data_root": root, "stream": False,
                                            "poll_interval_s": 0.05, "request_timeout_s": 3.0,
                                            "order_timeout_s": 3.0, "symbols": ["AAPL"]})
        alpaca = CrashingAlpaca if point is not None else AlpacaBroker
        alpaca.point = point or NativePoint.AFTER_COMMIT
        return alpaca(ACCOUNT, config, sink, lambda: (key, secret))
    account, _, bearer = token.partition("@")
    oanda_config = OandaConfig.from_mapping({"account": account, "rest_root": root, "request_timeout_s": 3.0,
                                             "order_timeout_s": 3.0, "reconnect_initial_s": 0.1})
    oanda = CrashingOanda if point is not None else OandaBroker
    oanda.point = point or NativePoint.AFTER_COMMIT
    return oanda(ACCOUNT, oanda_config, sink, lambda: bearer)


def crash_sink(bus: EventBus, point: NativePoint) -> Any:
    def sink(event: Event) -> None:
        if point is NativePoint.AFTER_ACK and isinstance(event, OrderAccepted):
            die()  # before the OMS journals the acknowledgement
        bus.publish(event)

    return sink


async def main(broker: str, data_dir: Path, root: str, token: str, point: NativePoint) -> None:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(data_dir / "journal.sqlite"))
    made = adapter(broker, root, token, crash_sink(bus, point), point)
    session.add_account(made)
    session.restore()
    quotes: list[Quote] = []
    bus.subscribe(Quote, quotes.append)
    await session.connect(ACCOUNT)
    await made.subscribe(made.instruments())
    symbol = SYMBOLS[broker]
    while not any(q.symbol == symbol and q.ask is not None for q in quotes):
        await asyncio.sleep(0.01)
    ask = next(q.ask for q in reversed(quotes) if q.symbol == symbol and q.ask is not None)
    offset = OFFSETS[broker]
    limit = ask - offset
    request = OrderRequest(ACCOUNT, symbol, Side.BUY, "10" if broker == "alpaca" else "1000", OrderType.LIMIT,
                           str(limit))
    await session.submit_bracket(request, Bracket(stop_loss=limit - offset, take_profit=limit + offset))
    await asyncio.sleep(3)
    sys.exit(NOT_KILLED)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4], NativePoint(sys.argv[5])))
