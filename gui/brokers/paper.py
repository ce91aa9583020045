"""The paper account in the GUI: its connection panel (add another, change fees), and the account a fresh start
opens."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.adapters.paper import KIND
from core.storage.settings import AccountSettings
from gui.brokers.broker_ui import BrokerUi
from gui.brokers.panel import ConnectionPanel
from gui.brokers.paper_panel import PaperConnectionPanel

if TYPE_CHECKING:
    from gui.brokers.account_setup import AccountsSetup

PROFILES = (KIND.name,)
"""The sets of accounts `tradeterm --profile` opens on a fresh start."""
DEFAULT_PROFILE = PROFILES[0]
DEFAULT_ACCOUNT = "PAPER-1"


def default_accounts(paper_dir: Path) -> list[AccountSettings]:
    """The accounts of a fresh start: one paper account whose state lives in paper_dir."""
    return [AccountSettings(DEFAULT_ACCOUNT, KIND.name, {"state_path": str(paper_dir / f"{DEFAULT_ACCOUNT}.json")})]


class PaperUi(BrokerUi):
    """A paper account: its name, fees, slippage and market speed; its books go to the data folder."""

    def panel(self, setup: AccountsSetup) -> ConnectionPanel | None:
        panel = PaperConnectionPanel()
        setup.show_saved(self.kind, panel)
        panel.connect_requested.connect(
            lambda account_id, values: setup.connect(self, panel, values, account_id=account_id))
        panel.disconnect_requested.connect(
            lambda: setup.disconnect_kind(self.kind, lambda: panel.set_disconnected("Disconnected.")))
        return panel


BROKER_UI = PaperUi
