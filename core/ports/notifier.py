"""Notifier: what can be told to the trader by e-mail, and the port that accepts a notification."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class NotificationKind(StrEnum):
    """Kinds of notification; the e-mail settings choose which ones are mailed."""

    FILL = "fill"
    ORDER_REJECTED = "order_rejected"
    RISK_BREACH = "risk_breach"
    KILL_SWITCH = "kill_switch"
    CONNECTION = "connection"
    RECONCILIATION = "reconciliation"
    APPROVAL_WAITING = "approval_waiting"
    TOKEN_EXPIRING = "token_expiring"
    DAILY_SUMMARY = "daily_summary"
    ALERT = "alert"

    @property
    def label(self) -> str:
        """Return the name a trader reads in the settings dialog and in a mail."""
        return _LABELS[self]


_LABELS = {
    NotificationKind.FILL: "Fill",
    NotificationKind.ORDER_REJECTED: "Order rejected",
    NotificationKind.RISK_BREACH: "Risk limit breached",
    NotificationKind.KILL_SWITCH: "Kill switch",
    NotificationKind.CONNECTION: "Broker disconnected / reconnected",
    NotificationKind.RECONCILIATION: "Reconciliation mismatch",
    NotificationKind.APPROVAL_WAITING: "Strategy order waiting for approval",
    NotificationKind.TOKEN_EXPIRING: "Broker token about to expire",
    NotificationKind.DAILY_SUMMARY: "End-of-day summary",
    NotificationKind.ALERT: "Price or P&L alert (those set to e-mail)",
}


@dataclass(frozen=True, slots=True)
class Notification:
    """One thing to tell the trader. `key` identifies it: the same key is mailed once."""

    kind: NotificationKind
    key: str
    subject: str
    body: str


class Notifier(Protocol):
    def notify(self, notification: Notification) -> None:
        """Queue notification for mailing (if its kind is enabled); never blocks, never raises."""
        ...
