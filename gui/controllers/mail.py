"""MailSetup: the e-mail side of the composition root — SMTP mailer, outbox, notifications, settings dialog."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from core.adapters.mail.config import MailConfigError, SmtpConfig
from core.adapters.mail.smtp import SmtpMailer, send_test_mail
from core.domain import LogMessage
from core.services.bus import EventBus
from core.services.notifications import NotificationService, NotificationSettings
from core.services.portfolio import Portfolio
from core.storage.outbox import OUTBOX_FILE, SqliteOutbox
from core.storage.secrets import SecretStore, SecretStoreError, secret_key
from core.storage.settings import SettingsError, SettingsStore

if TYPE_CHECKING:
    from gui.dialogs.email_settings import EmailSettingsDialog

SMTP_PASSWORD = secret_key("smtp", "password")


class PasswordNotKept(ValueError):
    """A typed SMTP password cannot be kept (no keyring, no vault); `field` names the dialog's field."""

    field = "password"


class MailSetup:
    """Build and own the mailer, the persistent outbox and the notification service.

    The keyring is opened only when a password is first needed, so a machine without one still
    starts (and says what to install when e-mail is set up).
    """

    def __init__(
        self, settings: SettingsStore, data_dir: Path, bus: EventBus, portfolio: Portfolio, secrets: SecretStore
    ) -> None:
        self._settings = settings
        self._bus = bus
        self._secrets = secrets
        self._closed = False
        email = self._email_document()
        self.mailer: SmtpMailer | None = None
        self.smtp_problem = "is not set"
        """Why there is no mailer (for an account that cannot work without one)."""
        smtp = email.get("smtp")
        if isinstance(smtp, Mapping):
            try:
                self.mailer = SmtpMailer(SmtpConfig.from_mapping(smtp), password=self._password)
            except MailConfigError as exc:
                self.smtp_problem = f"cannot be used ({exc})"
                bus.publish(LogMessage("ERROR", f"E-mail settings in {settings.path}: {exc}"))
        try:
            notify = NotificationSettings.from_mapping(email)
        except ValueError as exc:
            raise SettingsError(f"{settings.path}: email: {exc}") from None
        self.outbox = SqliteOutbox(data_dir / OUTBOX_FILE)
        self.notifications = NotificationService(bus, self.outbox, self.mailer, notify, portfolio=portfolio)

    def _email_document(self) -> dict[str, Any]:
        self._settings.load()  # the dialog shows what is on disk now
        return self._settings.email()

    def _password(self) -> str | None:
        try:
            return self._secrets.get(SMTP_PASSWORD)
        except SecretStoreError as exc:
            self._bus.publish(LogMessage("ERROR", f"SMTP password unavailable: {exc}"))
            return None

    def start(self) -> None:
        if not self._closed:  # the window may close before the deferred start runs
            self.notifications.start()

    async def close(self) -> None:
        self._closed = True
        await self.notifications.close()
        self.outbox.close()

    def save_settings(self, values: Mapping[str, Any], password: str | None) -> None:
        """Store the e-mail settings and (if given) the SMTP password, then apply them; all or nothing.

        Raises (a ValueError naming the field, or SecretStoreError) having changed nothing: not the
        settings file, not the keyring, not the mailer.
        """
        smtp = SmtpConfig.from_mapping(values["smtp"])
        notify = NotificationSettings.from_mapping(values)
        if password is not None:
            problem = self._secrets.describe_backend()
            if problem.failing:
                raise PasswordNotKept(
                    "the password cannot be kept: there is no OS keyring and no unlocked secrets vault. Set up the "
                    "vault from the banner at the top of the window, or install a Secret Service such as "
                    "gnome-keyring and restart TradeTerm.")
            previous = self._secrets.get(SMTP_PASSWORD)
            self._secrets.set(SMTP_PASSWORD, password)
        try:
            self._settings.save({**self._settings.load(), "email": dict(values)})
        except BaseException:
            if password is not None:  # put the keyring back as it was: nothing saved means nothing
                if previous is None:
                    self._secrets.delete(SMTP_PASSWORD)
                else:
                    self._secrets.set(SMTP_PASSWORD, previous)
            raise
        if self.mailer is None:
            self.mailer = SmtpMailer(smtp, password=self._password)
        else:
            self.mailer.config = smtp
        self.notifications.configure(notify, self.mailer)

    def open_settings_dialog(self, parent: QWidget) -> EmailSettingsDialog:
        """Open the e-mail settings dialog; saving applies at once, the password goes to the keyring only."""
        from gui.dialogs.email_settings import EmailSettingsDialog  # imported when first opened, not at start

        try:
            has_password = self._secrets.get(SMTP_PASSWORD) is not None
        except SecretStoreError:
            has_password = False

        async def send_test(values: Mapping[str, Any], password: str | None) -> None:
            await send_test_mail(SmtpConfig.from_mapping(values["smtp"]), lambda: password or self._password())

        hint = "cannot be kept: no OS keyring or vault" if self._secrets.describe_backend().failing else None
        dialog = EmailSettingsDialog(self._email_document(), has_password, self.save_settings, send_test,
                                     parent=parent, password_hint=hint)
        dialog.open()
        return dialog
