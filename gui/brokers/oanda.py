"""OANDA's GUI side: the generic panel (account, environment, confirm_live, hosts, symbols; the token kept in the
keyring), and the token handed to the adapter at run time, read from the keyring when it connects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.storage.settings import AccountSettings
from gui.brokers.broker_ui import BrokerUi

if TYPE_CHECKING:
    from gui.brokers.runtime import AdapterExtras


class OandaUi(BrokerUi):
    def add_runtime(self, account: AccountSettings, values: dict[str, object], runtime: AdapterExtras) -> None:
        key = runtime.secret_key(self.kind, account.id, account.settings, "token")
        values["token"] = lambda: runtime.secrets.get(key)


BROKER_UI = OandaUi
