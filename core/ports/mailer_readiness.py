"""MailerReadiness: a mailer that can say, before anything is sent, why it cannot send (no usable SMTP server)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class MailerReadiness(Protocol):
    def problem(self) -> str | None:
        """Return why no mail can be sent now, in a trader's words with what to do; None when it can."""
        ...
