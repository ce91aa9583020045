"""Chaos, short, for easytrader: 300 intents and 30 dropped connections through the real session, journal and
EasytraderBroker against easytrader's own server over the simulated broker.

The simulator drops /buy, /sell and /cancel_entrust before and after the broker client acts, and polls of
today's entrusts; cancels answer 已报待撤 first, and some orders "success" without an entrust number
(easytrader_chaos_world.py). Every modify is refused by easytrader's design, an expected outcome. The default
risk limits stay on: the duplicate window and the order-rate limits refuse some intents, as they would a fast
trader's. Afterwards no order is lost, the broker holds at most one order per intent, and orders,
positions and fills agree. The long run (10,000 intents, 1,000 breaks) is `python -m bench.chaos --broker easytrader`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.adapters.chaos_core import run_short
from tests.adapters.easytrader_chaos_world import EasytraderChaos, EasytraderDrop

SEED = int(os.environ.get("CHAOS_SEED") or 20261206)
"""Fixed so `make test` is repeatable; set CHAOS_SEED to explore others (the seed is in every failure)."""


@pytest.mark.slow
async def test_easytrader_drops_lose_no_order_duplicate_none_and_leave_the_books_equal(tmp_path: Path) -> None:
    run = EasytraderChaos(tmp_path, seed=SEED, intents=300, disconnects=30)
    figures, context = await run_short(run, SEED, (point.value for point in EasytraderDrop), 300, 30)
    assert figures.modifies > 0 and figures.modifies_refused > 0 and figures.reconnects > 0, context
