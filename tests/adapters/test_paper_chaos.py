"""Chaos, short, for paper: 300 intents and 30 broken links through the real session, journal and PaperBroker.

The account is disconnected while an order, a cancel or a modify is on its way, and the app "dies" with an
order on its way and restarts from its journal and the paper books on disk (paper_chaos_world.py). The default
risk limits stay on: the duplicate window and the order-rate limits refuse some intents, as they would a fast
trader's. Afterwards no order is lost, the paper broker holds at most one order per intent, and orders,
positions and fills agree. The long run (10,000 intents, 1,000 breaks) is `python -m bench.chaos --broker paper`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.adapters.chaos_core import run_short
from tests.adapters.paper_chaos_world import PaperChaos, PaperDrop

SEED = int(os.environ.get("CHAOS_SEED") or 20261206)
"""Fixed so `make test` is repeatable; set CHAOS_SEED to explore others (the seed is in every failure)."""


@pytest.mark.slow
async def test_paper_breaks_lose_no_order_duplicate_none_and_leave_the_books_equal(tmp_path: Path) -> None:
    run = PaperChaos(tmp_path, seed=SEED, intents=300, disconnects=30)
    figures, context = await run_short(run, SEED, (point.value for point in PaperDrop), 300, 30)
    assert figures.modifies > 0, context
