"""The e-mail desk in the GUI: no connection panel (its accounts come from the settings file), and the SMTP
mailer it mails its orders with (E-mail settings…)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.storage.settings import AccountSettings
from gui.brokers.broker_ui import BrokerUi
from gui.brokers.panel import ConnectionPanel

if TYPE_CHECKING:
    from gui.brokers.account_setup import AccountsSetup
from gui.brokers.runtime import AdapterExtras


class EmailDeskUi(BrokerUi):
    """An e-mail desk mails its orders: it needs the application's SMTP mailer."""

    def panel(self, setup: AccountsSetup) -> ConnectionPanel | None:
        return None

    def add_runtime(self, account: AccountSettings, values: dict[str, object], runtime: AdapterExtras) -> None:
        if runtime.mail.mailer is None:
            raise ValueError(
                f"an e-mail desk mails its orders, and the SMTP server (email.smtp) {runtime.mail.smtp_problem}. "
                "Set email.smtp in this file, or remove the account, set up E-mail settings… in TradeTerm, "
                "then add the account again"
            )
        values["mailer"] = runtime.mail.mailer


BROKER_UI = EmailDeskUi
