"""Test helpers for the Alpaca simulator: a running simulator, and adapter settings pointing at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.sims.alpaca.server import AlpacaSimulator


def sim_fixture(tick_interval_s: float = 0.02) -> Any:
    """Return a `sim` fixture, a running AlpacaSimulator; a test module takes it by assignment: sim = sim_fixture()."""

    @pytest.fixture(name="sim")
    async def sim() -> AsyncIterator[AlpacaSimulator]:
        simulator = AlpacaSimulator(tick_interval_s=tick_interval_s)
        await simulator.start()
        yield simulator
        await simulator.stop()

    return sim


def sim_settings(sim: AlpacaSimulator, **overrides: object) -> dict[str, object]:
    """Return Alpaca settings for the simulator (paper, test-sized intervals) with its key pair as credentials."""
    settings: dict[str, object] = {
        "trading_root": sim.root,
        "data_root": sim.root,
        "stream_root": sim.stream_url,
        "poll_interval_s": 0.05,
        "request_timeout_s": 3.0,
        "order_timeout_s": 3.0,
        "symbols": ["AAPL", "MSFT", "SPY"],
        "credentials": lambda: (sim.api_key, sim.api_secret),
    }
    settings.update(overrides)
    return settings
