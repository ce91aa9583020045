"""Make docs/screenshot.png: the paper window after a few real orders (through the session, as the ticket sends them).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/readme_screenshot.py [OUTPUT.png]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

# The window as on a machine with an OS keyring: on one without, the "secrets cannot be stored" banner would
# be in the README's picture. An in-memory keyring: the script stores no secret anywhere.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "core.storage.memory_keyring.MemoryKeyring")

from core.domain import AccountId, OrderRequest, OrderType, Side
from gui.app import create_main_window

ACCOUNT = AccountId("PAPER-1")
ORDERS = [
    ("AAPL", Side.BUY, "300", OrderType.MARKET, None),
    ("ESZ6", Side.BUY, "2", OrderType.MARKET, None),
    ("INFY", Side.SELL, "150", OrderType.MARKET, None),
    ("600519", Side.BUY, "200", OrderType.MARKET, None),
    ("MSFT", Side.BUY, "100", OrderType.LIMIT, "-1.50"),
    ("TCS", Side.SELL, "40", OrderType.LIMIT, "+4.00"),
]


async def main(output: Path) -> None:
    window = create_main_window(tempfile.mkdtemp(prefix="tradeterm-shot-"))
    window.resize(1500, 900)
    window.show()
    while window.session.account(ACCOUNT).trading.value != "ACTIVE":
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    for symbol, side, qty, order_type, offset in ORDERS:
        limit = None
        if offset is not None:
            bid, ask = window.bridge.bid_ask(symbol)
            assert bid is not None and ask is not None
            limit = (bid if side is Side.BUY else ask) + Decimal(offset)
        await window.session.submit(OrderRequest(ACCOUNT, symbol, side, qty, order_type, limit_price=limit))
        await asyncio.sleep(0.25)  # within the risk engine's order-rate limit
    await asyncio.sleep(4)
    window.ladder.show(str(ACCOUNT), "AAPL")  # as a click on AAPL's watchlist row shows it
    window.ticket.prefill("AAPL", Side.SELL, Decimal(100), window.bridge.bid_ask("AAPL")[0])
    await asyncio.sleep(1.5)
    window.bridge.flusher.flush_now()
    window.grab().save(str(output))
    window.close()
    await window.shutdown()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png")
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(target))
    print(target)
