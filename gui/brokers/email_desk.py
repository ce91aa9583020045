"""The e-mail desk in the GUI: its connection panel (desk address, what it trades) and the SMTP mailer it mails
its orders with (E-mail settings…).

A desk whose SMTP server is not set, or cannot be used, still opens: it fails to connect with the reason, and
connects once the trader has fixed E-mail settings (its mailer follows the application's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.ports.mailer import Mailer, MailError, MailMessage
from core.storage.settings import AccountSettings
from gui.brokers.broker_ui import BrokerUi
from gui.brokers.desk_panel import DeskConnectionPanel
from gui.brokers.panel import ConnectionPanel

if TYPE_CHECKING:
    from gui.brokers.account_setup import AccountsSetup
    from gui.brokers.runtime import AdapterExtras, MailerSource


class AppMailer:
    """The application's SMTP mailer as a desk sees it: whichever E-mail settings made last, or the reason there
    is none (MailerReadiness)."""

    def __init__(self, account_id: str, mail: MailerSource) -> None:
        self._account_id = account_id
        self._mail = mail

    def problem(self) -> str | None:
        if isinstance(self._mail.mailer, Mailer):
            return None
        return (f"E-mail desk {self._account_id} cannot mail its orders: the SMTP server {self._mail.smtp_problem}. "
                "Set it up in E-mail settings…, then connect the account.")

    async def send(self, message: MailMessage) -> None:
        mailer = self._mail.mailer
        if not isinstance(mailer, Mailer):
            raise MailError(self.problem() or "no SMTP server")
        await mailer.send(message)


class EmailDeskUi(BrokerUi):
    """An e-mail desk mails its orders: it needs the application's SMTP mailer."""

    def panel(self, setup: AccountsSetup) -> ConnectionPanel | None:
        panel = DeskConnectionPanel()
        setup.show_saved(self.kind, panel)
        panel.connect_requested.connect(
            lambda account_id, values: setup.connect(self, panel, values, account_id=account_id))
        panel.disconnect_requested.connect(
            lambda: setup.disconnect_kind(self.kind, lambda: panel.set_disconnected("Disconnected.")))
        return panel

    def add_runtime(self, account: AccountSettings, values: dict[str, object], runtime: AdapterExtras) -> None:
        values["mailer"] = AppMailer(account.id, runtime.mail)


BROKER_UI = EmailDeskUi
