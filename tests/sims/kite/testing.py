"""Test helpers for the Kite simulator: a running simulator, adapter settings and credentials pointing at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.adapters.kite.credentials import AccessToken, KiteCredentials
from tests.sims.kite.server import KiteSimulator


def sim_fixture(tick_interval_s: float = 0.05) -> Any:
    """Return a `sim` fixture, a running KiteSimulator; a test module takes it by assignment: sim = sim_fixture()."""

    @pytest.fixture(name="sim")
    async def sim() -> AsyncIterator[KiteSimulator]:
        simulator = KiteSimulator(tick_interval_s=tick_interval_s)
        await simulator.start()
        yield simulator
        await simulator.stop()

    return sim


def sim_settings(sim: KiteSimulator, **overrides: object) -> dict[str, object]:
    """Return Kite settings for the simulator with test-sized intervals."""
    settings: dict[str, object] = {
        "root": sim.root,
        "ws_root": sim.ws_root,
        "login_root": sim.login_root,
        "poll_interval_s": 0.2,
        "request_timeout_s": 3.0,
        "order_timeout_s": 3.0,
        "reconnect_initial_s": 0.1,
        "symbols": ["INFY", "RELIANCE", "TCS", "NIFTY 50"],
    }
    settings.update(overrides)
    return settings


def sim_credentials(sim: KiteSimulator, logged_in: bool = True) -> KiteCredentials:
    """Return in-memory credentials for the simulator's key pair, with a valid access token if logged_in."""
    token = None
    if logged_in:
        token = AccessToken(sim.issue_access_token(), datetime.now(UTC) + timedelta(hours=12), sim.exchange.user_id)
    return KiteCredentials.in_memory(sim.api_key, sim.api_secret, token)
