"""StrategyAccess: a change that cannot be saved is not made; every change that is made is audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.domain import StrategyId
from core.services.strategies import StrategyConfig, StrategyRegistry
from core.services.strategy_access import StrategyAccess
from core.services.strategy_api import StrategyTokens
from core.storage.memory_keyring import MemoryKeyring
from core.storage.secrets import SecretStore

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


class Settings:
    def __init__(self) -> None:
        self.saved: list[dict[str, Any]] = []
        self.refuse: str | None = None

    def save(self, strategies: dict[str, Any]) -> None:
        if self.refuse is not None:
            raise OSError(self.refuse)
        self.saved.append(strategies)


def make() -> tuple[StrategyAccess, Settings, list[tuple[str, str, str]], SecretStore]:
    registry = StrategyRegistry(started_at=NOW)
    registry.put(StrategyConfig(StrategyId("tight"), activated_at=NOW, rate_per_minute=5))
    secrets = SecretStore("tradeterm-test", backend=MemoryKeyring())
    tokens = StrategyTokens(secrets, environ={})
    tokens.load(["tight"])
    settings, audit = Settings(), list[tuple[str, str, str]]()
    access = StrategyAccess(registry, tokens, settings.save, lambda *entry: audit.append(entry), lambda: NOW)
    return access, settings, audit, secrets


def test_a_token_for_a_new_name_creates_its_entry_with_auto_approve_off() -> None:
    access, settings, audit, secrets = make()
    token = access.create_token("momo", "alice")
    assert secrets.get("api/strategy/momo") == token
    entry = settings.saved[-1]["momo"]
    assert entry["auto_approve"] is False and entry["activated_at"] == NOW.isoformat()
    assert settings.saved[-1]["tight"]["rate_per_minute"] == 5, "other strategies' settings are kept"
    assert token not in repr(settings.saved) and token not in repr(audit)
    assert [(a, act) for a, act, _ in audit] == [("alice", "api_token_created")]
    assert [r.strategy_id for r in access.rows()] == ["momo", "tight"]


def test_auto_approve_that_cannot_be_saved_stays_off_and_is_not_audited() -> None:
    access, settings, audit, _ = make()
    settings.refuse = "disk full"
    with pytest.raises(OSError, match="disk full"):
        access.set_auto_approve("tight", True, "alice")
    assert not access.registry.get(StrategyId("tight")).auto_approve and audit == []
    settings.refuse = None
    access.set_auto_approve("tight", True, "alice")
    access.set_auto_approve("tight", True, "alice")  # already on: nothing to record
    access.set_auto_approve("tight", False, "bob")
    assert [(a, act) for a, act, _ in audit] == [("alice", "auto_approve_on"), ("bob", "auto_approve_off")]
    assert settings.saved[-1]["tight"]["auto_approve"] is False


def test_auto_approve_needs_a_set_up_strategy() -> None:
    access, _, audit, _ = make()
    with pytest.raises(ValueError, match="create its token first"):
        access.set_auto_approve("ghost", True, "alice")
    assert audit == [] and not access.registry.is_configured(StrategyId("ghost"))
