"""Chaos, short: 300 intents and 30 dropped connections through the real session, journal and IbBroker.

The TWS simulator drops the connection as an order arrives, before its ack, after its ack, between partial fills,
after a cancel and at random instants, with modifies and cancels mixed in; the adapter reconnects with backoff and
the session reconciles each time. Afterwards no order is lost, IB holds at most one order per intent, and positions
and fills agree. The session runs with the default risk limits, the duplicate window and the order-rate limits
included, on a paced clock (chaos_core.PacedClock); their refusals are counted apart and must occur. The long run
(10,000 intents, 1,000 drops) is bench/chaos_ib.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapters.ib_chaos_world import ChaosRun, DropPoint
from tests.sims.tws.testing import no_decoder_errors

SEED = int(os.environ.get("CHAOS_SEED") or 20261121)
"""Fixed so `make test` is repeatable; set CHAOS_SEED to explore others (the seed is in every failure)."""


@pytest.fixture(autouse=True)
def decoder_guard() -> Iterator[None]:
    with no_decoder_errors():
        yield


@pytest.mark.slow
async def test_random_drops_lose_no_order_duplicate_none_and_leave_the_books_equal(tmp_path: Path) -> None:
    run = ChaosRun(tmp_path, seed=SEED, intents=300, disconnects=30, day_length=150)
    try:
        figures = await run.run()
    except AssertionError as exc:
        raise AssertionError(f"chaos seed {SEED} (rerun with CHAOS_SEED={SEED}): {exc}") from exc
    print(figures.line())
    context = f"chaos seed {SEED} (rerun with CHAOS_SEED={SEED}): {figures.line()}"
    assert figures.intents >= 300 and figures.disconnects >= 30, context
    assert {point.value for point in DropPoint} <= set(figures.drops_by_point), context
    assert figures.reconnects > 0, context  # and after every drop trading resumed, or run() raised ChaosStuck
    assert figures.lost == 0, context
    assert figures.duplicates == 0, context
    assert figures.mismatches == 0, context
    assert figures.fill_mismatches == 0, context
    assert figures.went_unknown > 0 and figures.fills > 0 and figures.cancels > 0 and figures.modifies > 0, context
    assert figures.refusals_by_check.get("duplicate_window", 0) + figures.refusals_by_check.get("order_rate", 0) > 0, \
        context  # the limits were on


@pytest.mark.slow
async def test_with_ibs_notices_mixed_in_no_order_is_lost_or_shown_canceled(tmp_path: Path) -> None:
    run = ChaosRun(tmp_path, seed=SEED + 1, intents=150, disconnects=15, day_length=150, realistic=0.3)
    figures = await run.run()
    context = f"chaos seed {SEED + 1}, realistic 0.3: {figures.line()}"
    assert (figures.lost, figures.duplicates, figures.mismatches, figures.fill_mismatches) == (0, 0, 0, 0), context
