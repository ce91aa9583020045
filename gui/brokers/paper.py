"""The paper account in the GUI: no connection panel (it is always there), and the account a fresh start opens."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.adapters.paper import KIND
from core.storage.settings import AccountSettings
from gui.brokers.broker_ui import BrokerUi
from gui.brokers.panel import ConnectionPanel

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
    """The paper account needs no connection panel."""

    def panel(self, setup: AccountsSetup) -> ConnectionPanel | None:
        return None


BROKER_UI = PaperUi
