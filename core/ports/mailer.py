"""Mailer: send one e-mail; Outbox: the durable queue of notifications and mails waiting to be sent.

Services and the e-mail desk depend on these ports, never on aiosmtplib or SQLite directly.
Every MailError's message is meant for a trader's eyes and never contains a secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One plain-text e-mail. An empty `to` means the recipients configured in the e-mail settings.

    `message_id` (an RFC 5322 Message-ID without angle brackets) stays the same across retries, so a
    mail client can recognise a resend of the same message.
    """

    subject: str
    body: str
    to: tuple[str, ...] = ()
    message_id: str | None = None


class MailError(Exception):
    """A mail was not sent; `str(error)` says what went wrong and what to do."""

    #: True when the server may already have the message (the answer to DATA was lost).
    maybe_delivered: bool = False


class MailAuthError(MailError):
    """The SMTP server refused the user name or password."""


class MailTlsError(MailError):
    """The TLS connection failed: an untrusted or mismatched certificate, or TLS refused by the server."""


class MailUnreachable(MailError):
    """The SMTP server could not be reached (wrong host or port, refused, network down)."""


class MailTimeout(MailError):
    """The SMTP server did not answer in time."""


class MailRefused(MailError):
    """The SMTP server refused the sender, a recipient or the message itself."""


@runtime_checkable
class Mailer(Protocol):
    async def send(self, message: MailMessage) -> None:
        """Send message once; return when the server has accepted it, else raise a MailError."""
        ...


@dataclass(frozen=True, slots=True)
class PendingNotification:
    """A notification stored in the outbox, not yet batched into a mail."""

    id: int
    kind: str
    subject: str
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class QueuedMail:
    """A mail in the outbox that has not been sent yet."""

    id: int
    message: MailMessage
    attempts: int
    next_attempt_at: datetime
    last_error: str = ""


class Outbox(Protocol):
    """Durable store of notifications and mails; every write commits before it returns."""

    def add_notifications(
        self, items: Sequence[tuple[str, str, str, str, datetime]], now: datetime
    ) -> int:
        """Store (dedup_key, kind, subject, body, dedup_until) items, skipping any whose key is still
        live (a row with that key and dedup_until after now); return how many were stored."""
        ...

    def pending_notifications(self) -> list[PendingNotification]:
        """Return the notifications not yet batched into a mail, oldest first."""
        ...

    def batch(self, notification_ids: Sequence[int], message: MailMessage, now: datetime) -> int:
        """Queue message as a mail and mark those notifications batched, in one transaction; return its id."""
        ...

    def due_mails(self, now: datetime) -> list[QueuedMail]:
        """Return the unsent mails whose next attempt is due at or before now, oldest first."""
        ...

    def next_due(self) -> datetime | None:
        """Return when the earliest unsent mail is due, or None if nothing waits."""
        ...

    def mark_sent(self, mail_id: int, now: datetime) -> None: ...

    def mark_failed(self, mail_id: int, error: str, next_attempt_at: datetime) -> None: ...

    def unsent_count(self) -> int: ...

    def close(self) -> None: ...
