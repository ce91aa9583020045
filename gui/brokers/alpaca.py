"""Alpaca in the GUI: the generic connection panel (paper, live_confirmed, symbols, …, and the key pair as secrets)
plus AlpacaUi.add_runtime, which hands the adapter the key id and secret from the keyring.

Paper and live are two accounts of the one kind (ALPACA-PAPER, ALPACA-LIVE), each with its own keys in the keyring;
the adapter connects a live account only when live_confirmed is set (the panel's 'Confirm live' box, which the trader
ticks as its own act once 'Paper account' is unticked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.storage.settings import AccountSettings
from gui.brokers.broker_ui import BrokerUi

if TYPE_CHECKING:
    from gui.brokers.runtime import AdapterExtras


class AlpacaUi(BrokerUi):
    """The generic panel; the adapter's credentials read the account's api_key and api_secret from the keyring."""

    def add_runtime(self, account: AccountSettings, values: dict[str, object], runtime: AdapterExtras) -> None:
        def key(field: str) -> str:
            return runtime.secret_key(self.kind, account.id, account.settings, field)

        def credentials() -> tuple[str | None, str | None]:
            return runtime.secrets.get(key("api_key")), runtime.secrets.get(key("api_secret"))

        values["credentials"] = credentials


BROKER_UI = AlpacaUi
