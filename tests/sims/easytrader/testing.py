"""Test helpers for the easytrader simulator: adapter settings pointing at it, and credentials for it."""

from __future__ import annotations

from collections.abc import Callable

from tests.sims.easytrader.server import EasytraderSimulator


def sim_settings(
    sim: EasytraderSimulator, client_type: str = "universal_client", **overrides: object
) -> dict[str, object]:
    """Return easytrader settings for a simulator on 127.0.0.1 with test-sized timeouts and a fast poll."""
    settings: dict[str, object] = {
        "host": sim.host,
        "port": sim.port,
        "client_type": client_type,
        "user": sim.user,
        "exe_path": r"C:\ths\xiadan.exe",
        "connect_timeout_s": 1.0,
        "request_timeout_s": 2.0,
        "prepare_timeout_s": 2.0,
        "poll_interval_s": 0.05,
    }
    settings.update(overrides)
    return settings


def sim_credentials(sim: EasytraderSimulator) -> Callable[[], tuple[str | None, str | None]]:
    """Return the credentials callable the keyring would give for the simulator's account."""
    return lambda: (sim.password, sim.comm_password)
