"""Test helpers for the OANDA simulator: a running simulator and adapter settings pointing at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.sims.oanda.server import OandaSimulator


def sim_fixture(tick_interval_s: float = 0.02) -> Any:
    """Return a `sim` fixture, a running OandaSimulator; a test module takes it by assignment: sim = sim_fixture()."""

    @pytest.fixture(name="sim")
    async def sim() -> AsyncIterator[OandaSimulator]:
        simulator = OandaSimulator(tick_interval_s=tick_interval_s)
        await simulator.start()
        yield simulator
        await simulator.stop()

    return sim


def sim_settings(sim: OandaSimulator, **overrides: object) -> dict[str, object]:
    """Return OANDA settings for the simulator (its token included, as the keyring would hand it)."""
    settings: dict[str, object] = {
        "account": sim.exchange.account_id,
        "rest_root": sim.root,
        "request_timeout_s": 3.0,
        "order_timeout_s": 3.0,
        "reconnect_initial_s": 0.1,
        "token": sim.token,
    }
    settings.update(overrides)
    return settings
