"""SmtpMailer: send one e-mail with aiosmtplib on the running loop; every failure becomes a MailError in words."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.adapters.mail.config import SmtpConfig, SmtpSecurity
from core.ports.mailer import (
    MailAuthError,
    MailError,
    MailMessage,
    MailRefused,
    MailTimeout,
    MailTlsError,
    MailUnreachable,
)

if TYPE_CHECKING:
    from email.message import EmailMessage

    import aiosmtplib

# aiosmtplib and the e-mail package are imported at the first mail: a start with e-mail set up need not wait.

PasswordSource = Callable[[], str | None]


def _no_password() -> str | None:
    return None


class SmtpMailer:
    """Send mails through the configured SMTP server, one connection per mail.

    TLS always verifies the server's certificate against `ssl.create_default_context()` (plus
    `config.ca_file` if set); a certificate problem is reported, never ignored. The password is
    asked of `password` (the keyring) at each send, so a changed password applies at once.
    """

    def __init__(self, config: SmtpConfig, password: PasswordSource = _no_password) -> None:
        self.config = config
        self._password = password

    def tls_context(self) -> ssl.SSLContext:
        """Return the verifying TLS context: the system's trust store, or config.ca_file if given."""
        return ssl.create_default_context(cafile=self.config.ca_file)

    def build(self, message: MailMessage) -> EmailMessage:
        """Return the RFC 5322 message for message (From, To, Subject, Date, Message-ID, text body)."""
        from email.message import EmailMessage
        from email.utils import formatdate, make_msgid

        recipients = message.to or self.config.recipients
        if not recipients:
            raise MailRefused("No recipients: enter at least one address in the e-mail settings.")
        mail = EmailMessage()
        mail["From"] = self.config.sender
        mail["To"] = ", ".join(recipients)
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = f"<{message.message_id}>" if message.message_id else make_msgid("tradeterm")
        mail.set_content(message.body)
        return mail

    async def send(self, message: MailMessage) -> None:
        """Send message; return when the server accepted it, else raise a MailError saying what to fix."""
        import aiosmtplib

        mail = self.build(message)
        cfg = self.config
        where = f"{cfg.host}:{cfg.port}"
        client = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            timeout=cfg.timeout_s,
            use_tls=cfg.security is SmtpSecurity.SSL,
            start_tls=cfg.security is SmtpSecurity.STARTTLS,
            tls_context=None if cfg.security is SmtpSecurity.PLAIN else self.tls_context(),
        )
        try:
            try:
                await client.connect()
                await self._login(client, where)
            except MailError:
                raise
            except Exception as exc:
                raise translate(exc, where, during_data=False) from None
            try:
                await client.send_message(mail)
            except Exception as exc:
                raise translate(exc, where, during_data=True) from None
        finally:
            if client.is_connected:
                try:
                    await asyncio.wait_for(client.quit(), timeout=2)
                except Exception:
                    client.close()

    async def _login(self, client: aiosmtplib.SMTP, where: str) -> None:
        username = self.config.username
        if not username:
            return
        password = self._password()
        if password is None or password == "":
            raise MailAuthError(
                f"No SMTP password is stored for {username} at {where}: enter it in the e-mail settings."
            )
        await client.login(username, password)


def _ssl_error(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def translate(exc: BaseException, where: str, during_data: bool) -> MailError:
    """Return the MailError a trader understands for an aiosmtplib, TLS or socket failure."""
    import aiosmtplib

    tls = _ssl_error(exc)
    if isinstance(tls, ssl.SSLCertVerificationError):
        return MailTlsError(
            f"The certificate of the SMTP server {where} is not trusted ({tls.verify_message}). "
            "Check the host name; if the server uses a private certificate authority, set its CA file."
        )
    if tls is not None:
        return MailTlsError(f"TLS with the SMTP server {where} failed ({tls.reason or tls}). "
                            "Check the security setting (SSL/TLS or STARTTLS) and the port.")
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return MailAuthError(f"The SMTP server {where} refused the user name or password ({exc.code} "
                             f"{exc.message.strip()}). Check them in the e-mail settings.")
    if isinstance(exc, aiosmtplib.SMTPNotSupported | aiosmtplib.SMTPException) and "STARTTLS" in str(exc).upper():
        return MailTlsError(f"The SMTP server {where} does not offer STARTTLS: choose SSL/TLS or check the port.")
    if isinstance(exc, aiosmtplib.SMTPConnectTimeoutError):
        return MailTimeout(f"No answer from the SMTP server {where} in time. Check the host and port, "
                           "or try again later.")
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        timeout = MailTimeout(f"The SMTP server {where} stopped answering. The mail will be retried.")
        timeout.maybe_delivered = during_data
        return timeout
    if isinstance(exc, aiosmtplib.SMTPConnectError):
        return MailUnreachable(f"Cannot reach the SMTP server {where} ({exc.message}). "
                               "Check the host name, the port and the network.")
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | ConnectionError):
        error = MailUnreachable(f"The SMTP server {where} closed the connection. The mail will be retried.")
        error.maybe_delivered = during_data
        return error
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = ", ".join(r.recipient for r in exc.recipients)
        return MailRefused(f"The SMTP server {where} refused the recipient(s) {refused}. Check the addresses.")
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return MailRefused(f"The SMTP server {where} refused the sender {exc.sender} ({exc.message.strip()}). "
                           "Use an address this account may send from.")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return MailRefused(f"The SMTP server {where} refused the mail ({exc.code} {exc.message.strip()}).")
    if isinstance(exc, aiosmtplib.SMTPException):
        return MailError(f"Sending through {where} failed: {exc}")
    if isinstance(exc, OSError):
        return MailUnreachable(f"Cannot reach the SMTP server {where} ({exc}). Check the host name and network.")
    return MailError(f"Sending through {where} failed: {type(exc).__name__}: {exc}")


TEST_SUBJECT = "[TradeTerm] Test e-mail"


async def send_test_mail(config: SmtpConfig, password: PasswordSource = _no_password) -> None:
    """Send a short test mail to config.recipients; raise a MailError saying what to fix."""
    body = (
        "This is a test e-mail from TradeTerm.\n\n"
        f"Server: {config.host}:{config.port} ({config.security.label})\n"
        f"Sender: {config.sender}\n\n"
        "If you can read this, TradeTerm can send you notifications.\n"
    )
    await SmtpMailer(config, password).send(MailMessage(TEST_SUBJECT, body))
