"""The Strategy API panel: a token per strategy (created, masked, copied, revoked); auto-approve behind a confirm."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from core.domain import StrategyId
from core.services.strategy_access import StrategyAccess
from core.services.strategy_api import StrategyTokens
from core.storage.memory_keyring import MemoryKeyring
from core.storage.secrets import SecretStore
from core.storage.settings import SettingsStore
from gui.widgets.api_token_panel import ApiTokenPanel
from gui.widgets.approval_queue import ApprovalQueueWidget
from tests.unit.approvals_world import World, make_world

ACTOR = "alice"


@dataclass
class Panel:
    world: World
    settings: SettingsStore
    secrets: SecretStore
    tokens: StrategyTokens
    panel: ApiTokenPanel

    def settings_text(self) -> str:
        return self.settings.path.read_text(encoding="utf-8")

    def audit(self, *actions: str) -> list[tuple[str, str, str]]:
        return [(e.actor, e.action, e.detail) for e in self.world.journal.audit_entries(list(actions))]


@pytest.fixture
async def setup(tmp_path: Path, qtbot: QtBot) -> AsyncIterator[Panel]:
    world = await make_world(tmp_path)
    settings = SettingsStore(tmp_path / "settings.json")
    secrets = SecretStore("tradeterm-test", backend=MemoryKeyring())
    tokens = StrategyTokens(secrets, environ={})
    tokens.load([])
    access = StrategyAccess(world.strategies, tokens,
                            lambda strategies: settings.save({**settings.load(), "strategies": strategies}),
                            world.journal.record_audit, world.clock.now)
    panel = ApiTokenPanel("http://127.0.0.1:8765", access, ACTOR)
    qtbot.addWidget(panel)
    yield Panel(world, settings, secrets, tokens, panel)
    await world.close()


def answer(box: QMessageBox | None, button: QMessageBox.StandardButton) -> None:
    assert box is not None and box.isVisible()
    box.button(button).click()


def test_the_panel_creates_a_token_shows_it_masked_copies_and_revokes_it(setup: Panel, qtbot: QtBot) -> None:
    panel = setup.panel
    qtbot.keyClicks(panel.name_edit, "tight")
    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    token = setup.secrets.get("api/strategy/tight")
    assert token is not None and setup.tokens.strategy_for(token) == "tight"
    shown = panel.masked_token("tight")
    assert shown.endswith(token[-4:]) and token not in shown and token[:-4] not in panel.status_label.text()

    panel.select("tight")
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == token

    entry = json.loads(setup.settings_text())["strategies"]["tight"]
    assert entry["auto_approve"] is False and entry["activated_at"]
    assert token not in setup.settings_text() and token[-8:] not in setup.settings_text()
    ((actor, _, detail),) = setup.audit("api_token_created")
    assert actor == ACTOR and "tight" in detail and token not in detail

    qtbot.mouseClick(panel.revoke_button, Qt.MouseButton.LeftButton)
    answer(panel.confirm_box, QMessageBox.StandardButton.Yes)
    assert setup.secrets.get("api/strategy/tight") is None and setup.tokens.strategy_for(token) is None
    assert panel.masked_token("tight") == "none" and not panel.copy_button.isEnabled()
    assert [a[:2] for a in setup.audit("api_token_revoked")] == [(ACTOR, "api_token_revoked")]
    assert token not in setup.settings_text()


def test_a_bad_strategy_name_is_refused_with_what_a_name_may_hold(setup: Panel, qtbot: QtBot) -> None:
    qtbot.keyClicks(setup.panel.name_edit, "tight/2")
    qtbot.mouseClick(setup.panel.create_button, Qt.MouseButton.LeftButton)
    assert "letters, digits" in setup.panel.status_label.text() and setup.panel.table.rowCount() == 0
    assert not setup.settings.path.exists()


def test_turning_on_auto_approve_asks_a_confirm_is_audited_and_the_dock_names_the_strategy(
    setup: Panel, qtbot: QtBot
) -> None:
    panel = setup.panel
    dock = ApprovalQueueWidget(setup.world.queue,
                               auto_approving=lambda: [str(s) for s in setup.world.strategies.auto_approving()])
    qtbot.addWidget(dock)
    panel.changed.connect(dock.refresh)
    qtbot.keyClicks(panel.name_edit, "momo")
    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    panel.select("momo")

    qtbot.mouseClick(panel.auto_button, Qt.MouseButton.LeftButton)
    assert panel.confirm_box is not None and "without a person approving" in panel.confirm_box.text()
    answer(panel.confirm_box, QMessageBox.StandardButton.Cancel)
    assert not setup.world.strategies.get(StrategyId("momo")).auto_approve and dock.auto_label.isHidden()
    assert setup.audit("auto_approve_on") == []

    qtbot.mouseClick(panel.auto_button, Qt.MouseButton.LeftButton)
    answer(panel.confirm_box, QMessageBox.StandardButton.Yes)
    assert setup.world.strategies.get(StrategyId("momo")).auto_approve
    ((actor, _, detail),) = setup.audit("auto_approve_on")
    assert actor == ACTOR and "momo" in detail and "without a person" in detail
    assert not dock.auto_label.isHidden() and "Auto-approved" in dock.auto_label.text()
    assert "momo" in dock.auto_label.text()
    assert json.loads(setup.settings_text())["strategies"]["momo"]["auto_approve"] is True

    panel.select("momo")
    qtbot.mouseClick(panel.auto_button, Qt.MouseButton.LeftButton)  # off needs no confirm, but is audited
    assert not setup.world.strategies.get(StrategyId("momo")).auto_approve
    assert [a[:2] for a in setup.audit("auto_approve_off")] == [(ACTOR, "auto_approve_off")]
    assert dock.auto_label.isHidden()
    assert json.loads(setup.settings_text())["strategies"]["momo"]["auto_approve"] is False
