"""Test helpers for the easytrader simulator: adapter settings pointing at it, and credentials for it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.services.session import TradingSession
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


async def connected_session(sim: EasytraderSimulator, tmp_path: Path, account: str) -> TradingSession:
    """A real TradingSession with a SQLite journal and one easytrader account on sim, connected (close it after)."""
    from core.adapters.easytrader.adapter import EasytraderBroker
    from core.adapters.easytrader.config import EasytraderConfig
    from core.domain import AccountId
    from core.services.bus import EventBus
    from core.storage.journal import SqliteJournal

    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    settings = sim_settings(sim, order_map_path=str(tmp_path / "orders.json"))
    session.add_account(EasytraderBroker(AccountId(account), EasytraderConfig.from_mapping(settings), bus.publish,
                                         sim_credentials(sim)))
    await session.connect(AccountId(account))
    return session
