"""Symbol search: from the last keystroke in the real Ctrl+K popup to the results shown, over 30,000+ instruments.

`python -m bench.symbol_search` opens the real main window (no accounts connected but these), adds a paper
account listing N synthetic instruments (3-5 letter tickers, company names), then a Kite account against
the Kite simulator whose instruments dump holds N BANKNIFTY options besides NSE, BSE, NFO, MCX and CDS
rows (kiteconnect downloads them over HTTP; the first search loads and indexes them: `load_ms`). Each
query is typed key by key (80 ms apart, as a quick typist) into symbolSearch.query, REPEAT times.

Figures, one JSON line per list and query: `keystroke_to_results_ms` p50 and max, from the last key
press to the popup showing that query's results (it includes the popup's 30 ms typing pause), and the
number of results; `search_p50_ms`, the search alone (every connected account asked, merged, ranked). The
goal: within 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import string
import tempfile
from decimal import Decimal
from typing import Any

from bench.common import emit, host_speed_ms, machine, ms, now, percentile

KEY_GAP_S = 0.08
PAPER_QUERIES = ("K", "KQ", "KQZ", "GLOBAL", "HOLDINGS 12", "ZZZQQ")
KITE_QUERIES = ("BANKNIFTY", "BANKNIFTY 45000", "NIFTY", "INFY", "CRUDE", "ZZZQQ")
WORDS = ("Global", "United", "First", "Pacific", "Atlantic", "Northern", "Capital", "Energy", "Systems", "Bank",
         "Motors", "Foods", "Pharma", "Mining", "Retail", "Digital", "Networks", "Holdings", "Industries", "Group")


def paper_listings(count: int, seed: int = 11) -> list[Any]:
    from core.domain import Instrument

    rng = random.Random(seed)
    seen: set[str] = set()
    listed = []
    while len(listed) < count:
        symbol = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(3, 5)))
        if symbol in seen:
            continue
        seen.add(symbol)
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {len(listed)}"
        listed.append(Instrument(symbol, "BENCH", "USD", Decimal("0.01"), name=name))
    return listed


def run(count: int, repeat: int) -> list[dict[str, object]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from core.adapters.kite.adapter import KiteBroker
    from core.adapters.kite.config import KiteConfig
    from core.adapters.paper.adapter import PaperBroker
    from core.adapters.paper.config import PaperConfig
    from core.domain import AccountId
    from core.services.symbol_search import SearchResult
    from gui.app import create_main_window
    from gui.controllers.symbol_search import SymbolSearchController
    from gui.event_loop import EventLoop
    from tests.sims.kite import KiteSimulator
    from tests.sims.kite.catalog import ALL_LISTINGS, CATALOG_ONLY, option_chain
    from tests.sims.kite.testing import sim_credentials, sim_settings

    app = QApplication.instance() or QApplication(["symbol_search"])
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    data_dir = tempfile.TemporaryDirectory(prefix="symbol-search-")
    window = create_main_window(data_dir.name, "paper", connect=False)
    window.resize(1500, 900)
    window.show()
    session = window.session
    controller = next(k for k in window.keep_alive if isinstance(k, SymbolSearchController))
    popup = controller.open()
    finished: list[tuple[str, float, float]] = []
    searched = controller.service.search

    async def stamped(query: str, limit: int = 50) -> SearchResult:
        start = now()
        result = await searched(query, limit)
        finished.append((query, start, now()))
        return result

    controller.service.search = stamped  # type: ignore[method-assign]
    records: list[dict[str, object]] = []


    async def measure(text: str) -> tuple[float, float, int]:
        popup.query.clear()
        await asyncio.sleep(0.2)
        finished.clear()
        for index, char in enumerate(text):
            QTest.keyClick(popup.query, char if char != " " else " ", Qt.KeyboardModifier.NoModifier)
            if index < len(text) - 1:
                await asyncio.sleep(KEY_GAP_S)
        last_key = now()
        while not any(q == text and t >= last_key for q, _, t in finished):
            await asyncio.sleep(0.001)
        began, shown = next((b, t) for q, b, t in finished if q == text and t >= last_key)
        return shown - last_key, shown - began, popup.model.rowCount()

    async def series(kind: str, queries: tuple[str, ...], size: int, extra: dict[str, object]) -> None:
        for text in queries:
            times, searches = [], []
            rows = 0
            for _ in range(repeat):
                elapsed, searching, rows = await measure(text)
                times.append(elapsed)
                searches.append(searching)
            records.append({"bench": "symbol_search", "list": kind, "instruments": size, "query": text,
                            "results": rows, "keystroke_to_results_p50_ms": ms(percentile(times, 0.5)),
                            "keystroke_to_results_max_ms": ms(max(times)),
                            "search_p50_ms": ms(percentile(searches, 0.5)), "repeat": repeat, **extra})

    async def scenario() -> None:
        big = PaperBroker(AccountId("PAPER-BIG"), PaperConfig.from_mapping({"tick_interval_s": 60}),
                          session.bus.publish, instruments=(listed := paper_listings(count)),
                          start_prices={i.symbol: Decimal(10) for i in listed})
        session.add_account(big)
        window.add_account_view("PAPER-BIG")
        await session.connect(AccountId("PAPER-BIG"))
        await series("paper", PAPER_QUERIES, count, {})
        await session.disconnect(AccountId("PAPER-BIG"))

        sim = KiteSimulator(listings=ALL_LISTINGS, tick_interval_s=60)
        sim.catalog_only = CATALOG_ONLY + option_chain(count)
        await sim.start()
        try:
            settings = sim_settings(sim, ticker=False, instruments_cache_dir=os.path.join(data_dir.name, "kite"))
            kite = KiteBroker(AccountId("KITE-1"), KiteConfig.from_mapping(settings), session.bus.publish,
                              sim_credentials(sim))
            session.add_account(kite)
            window.add_account_view("KITE-1")
            await session.connect(AccountId("KITE-1"))
            start = now()
            await kite.search_symbols("A", 1)  # the day's five lists: downloaded, cached, indexed
            load = now() - start
            size = len(ALL_LISTINGS) + len(sim.catalog_only)
            await series("kite", KITE_QUERIES, size, {"load_ms": ms(load)})
            await session.disconnect(AccountId("KITE-1"))
        finally:
            await sim.stop()

    async def whole() -> None:
        try:
            await scenario()
        finally:
            window.close()
            await window.shutdown()

    with loop:
        loop.run_until_complete(whole())
    data_dir.cleanup()
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    context = {"host_speed_ms": host_speed_ms(), **machine()}
    for record in run(args.instruments, args.repeat):
        emit({**record, **context})


if __name__ == "__main__":
    main()
