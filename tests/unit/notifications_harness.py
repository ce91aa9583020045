"""A NotificationService wired as the app wires it: a bus, an outbox file, a real SmtpMailer to an SMTP sim."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.adapters.mail.config import SmtpConfig, SmtpSecurity
from core.adapters.mail.smtp import SmtpMailer
from core.domain import Event, LogMessage
from core.services.bus import EventBus
from core.services.notifications import NotificationService, NotificationSettings
from core.services.portfolio import Portfolio
from core.storage.outbox import SqliteOutbox

FAST = NotificationSettings(batch_window_s=0.05, retry_base_s=0.05, retry_max_s=0.2, send_timeout_s=5,
                            daily_summary_at=None)


def local_mailer(port: int) -> SmtpMailer:
    config = SmtpConfig(host="127.0.0.1", port=port, security=SmtpSecurity.PLAIN, sender="tradeterm@example.com",
                        recipients=("trader@example.com",), timeout_s=2)
    return SmtpMailer(config)


@dataclass
class Harness:
    bus: EventBus
    outbox: SqliteOutbox
    service: NotificationService
    logs: list[LogMessage] = field(default_factory=list)

    def publish(self, *events: Event) -> None:
        for event in events:
            self.bus.publish(event)


def build(outbox_path: Path, port: int, settings: NotificationSettings = FAST,
          bus: EventBus | None = None,
          portfolio: Portfolio | None = None) -> Harness:
    bus = bus or EventBus()
    outbox = SqliteOutbox(outbox_path)
    service = NotificationService(bus, outbox, local_mailer(port), settings, portfolio=portfolio)
    harness = Harness(bus, outbox, service)
    bus.subscribe(LogMessage, harness.logs.append)
    return harness
