"""NotificationService: mail the trader what matters — batched, deduplicated, durable, retried, never blocking."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from core.domain import (
    AccountId,
    BrokerTokenExpiring,
    ConnectionChanged,
    ConnectionState,
    FillRecorded,
    LogMessage,
    OrderDenied,
    OrderPendingApproval,
    OrderRejected,
    OrderStatus,
    OrderUpdated,
    Position,
    ReconciliationRequired,
    TradingState,
    TradingStateChanged,
)
from core.domain.funds import AccountFunds
from core.domain.protection import HeldChild
from core.ports.clock import Clock
from core.ports.mailer import Mailer, MailError, Outbox
from core.ports.notifier import Notification, NotificationKind
from core.services import notification_text as text
from core.services.bus import EventBus
from core.services.clock import SystemClock
from core.services.portfolio import Portfolio

log = logging.getLogger(__name__)
FOREVER = timedelta(days=3650)
HISTORY_GRACE = timedelta(minutes=1)
_TOLD_STATUSES = frozenset({OrderStatus.REJECTED, OrderStatus.DENIED, OrderStatus.PENDING_APPROVAL})
"""The statuses an order's change is notified in (see `_on_order_updated`)."""
_LOST = (ConnectionState.DISCONNECTED, ConnectionState.FAILED, ConnectionState.RECONNECTING)


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """Which kinds are mailed, how bursts are batched and repeats suppressed, when retries happen.

    `daily_summary_at` is a local time of day (None: no automatic summary).
    """

    enabled: frozenset[NotificationKind] = field(default_factory=lambda: frozenset(NotificationKind))
    batch_window_s: float = 5.0
    dedup_window_s: float = 600.0
    retry_base_s: float = 5.0
    retry_max_s: float = 900.0
    send_timeout_s: float = 60.0
    daily_summary_at: time | None = time(17, 30)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> NotificationSettings:
        """Build settings from {"notify": [kind, ...], "batch_window_s": ..., "daily_summary_at": "HH:MM"}."""
        kinds = data.get("notify", [k.value for k in NotificationKind])
        if not isinstance(kinds, list | tuple):
            raise ValueError(f"notify: expected a list of kinds, got {kinds!r}")
        try:
            enabled = frozenset(NotificationKind(k) for k in kinds)
        except ValueError as exc:
            known = ", ".join(k.value for k in NotificationKind)
            raise ValueError(f"notify: {exc}; known kinds: {known}") from None
        at = data.get("daily_summary_at", "17:30")
        try:
            summary_at = None if at is None or at == "" else time.fromisoformat(str(at))
        except ValueError:
            raise ValueError(f"daily_summary_at: {at!r} is not a time of day like 17:30") from None
        numbers = {}
        for name in ("batch_window_s", "dedup_window_s"):
            raw = data.get(name)
            if raw is not None:
                if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
                    raise ValueError(f"{name}: expected a number of seconds, got {raw!r}")
                numbers[name] = float(raw)
        return cls(enabled=enabled, daily_summary_at=summary_at, **numbers)


def next_summary_time(now: datetime, at: time) -> datetime:
    """Return the next local moment at `at` strictly after now (timezone-aware)."""
    local = now.astimezone()
    candidate = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=local.tzinfo)
    return candidate


class NotificationService:
    """Turn bus events into notifications, keep them in the outbox, batch them into mails and send them.

    A notification is written to the outbox (deduplicated by its key) as soon as the loop is free; a
    burst becomes one mail after `batch_window_s`; mails are sent in order, and a failed one is retried
    with exponential backoff until the server accepts it. Nothing waits on the network in a handler.

    Events: LogMessage(level, text) when a mail fails (with the retry time) and when delivery recovers.
    """

    def __init__(
        self,
        bus: EventBus,
        outbox: Outbox,
        mailer: Mailer | None,
        settings: NotificationSettings | None = None,
        clock: Clock | None = None,
        portfolio: Portfolio | None = None,
    ) -> None:
        self._closing = False
        self._bus = bus
        self._outbox = outbox
        self._mailer = mailer
        self.settings = settings or NotificationSettings()
        self._clock = clock or SystemClock()
        self._portfolio = portfolio
        self.funds_of: Callable[[], Mapping[AccountId, AccountFunds]] = dict
        """Every account's funds as last read (the session's FundsService.all_latest): the summary's totals."""
        self.held_of: Callable[[], Sequence[HeldChild]] = tuple
        """The stop-loss/take-profit children TradeTerm holds, listed in the daily summary."""
        self._started_at = self._clock.now()
        self._buffer: list[Notification] = []
        self._persist_scheduled = False
        self._batch_timer: asyncio.TimerHandle | None = None
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._failing = False
        self._connection: dict[AccountId, ConnectionState] = {}
        self._lost: set[AccountId] = set()
        self._reconciling: set[AccountId] = set()
        self._unsubscribe: list[Callable[[], None]] = [
            bus.subscribe(FillRecorded, self._on_fill_recorded),
            bus.subscribe(OrderUpdated, self._on_order_updated),
            bus.subscribe(TradingStateChanged, self._on_trading_state_changed),
            bus.subscribe(ConnectionChanged, self._on_connection_changed),
            bus.subscribe(ReconciliationRequired, self._on_reconciliation_required),
            bus.subscribe(BrokerTokenExpiring, self._on_token_expiring),
        ]

    # --- life cycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start sending (mails left from a previous run first) and the daily summary timer."""
        if self._tasks:
            return
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._send_loop(), name="notifications-send"))
        if self.settings.daily_summary_at is not None:
            self._tasks.append(loop.create_task(self._summary_loop(), name="notifications-daily-summary"))
        self._persist()
        self._batch_now()

    def configure(self, settings: NotificationSettings, mailer: Mailer | None) -> None:
        """Apply new settings and SMTP sender (from the e-mail settings dialog); retry waiting mails at once."""
        restart_summary = settings.daily_summary_at != self.settings.daily_summary_at
        self.settings = settings
        self._mailer = mailer
        self._failing = False
        if restart_summary and self._tasks:
            for task in self._tasks[1:]:
                task.cancel()
            del self._tasks[1:]
            if settings.daily_summary_at is not None:
                self._tasks.append(asyncio.get_running_loop().create_task(self._summary_loop()))
        self._wake.set()

    async def close(self) -> None:
        """Stop listening; keep everything queued in the outbox for the next start (nothing is lost)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self._persist()
        if self._batch_timer is not None:
            self._batch_timer.cancel()
        self._batch_now()
        self._closing = True
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self.settings.send_timeout_s + 2)
        for task in self._tasks:
            if task.done() and not task.cancelled():
                task.exception()
        self._tasks.clear()

    # --- queueing -------------------------------------------------------------------------------

    def notify(self, notification: Notification) -> None:
        """Queue notification if its kind is enabled; it is stored as soon as the loop is free."""
        if not self._mails(notification.kind):
            return
        if any(n.key == notification.key for n in self._buffer):
            return
        self._buffer.append(notification)
        if self._persist_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # before the loop runs (start-up): start() stores it
        self._persist_scheduled = True
        loop.call_soon(self._persist)

    def _mails(self, kind: NotificationKind) -> bool:
        """Return whether a notification of this kind is mailed (a mailer is set and the kind enabled)."""
        return self._mailer is not None and kind in self.settings.enabled

    def queue_daily_summary(self, day: date | None = None) -> None:
        """Queue the end-of-day summary (positions and P&L per account) for day (default: today)."""
        if self._portfolio is None:
            return
        positions: dict[AccountId, list[Position]] = {}
        for position in self._portfolio.positions():
            if not position.is_flat or position.realized_pnl:
                positions.setdefault(position.account_id, []).append(position)
        funds = dict(self.funds_of())
        totals = {account: self._portfolio.totals(account) for account in positions}
        cash = {p: self._portfolio.cash(p) for p in positions}
        today = day or self._clock.now().astimezone().date()
        self.notify(text.daily_summary_notification(today, positions, totals, cash, funds, self.held_of()))

    def _persist(self) -> None:
        self._persist_scheduled = False
        if not self._buffer:
            return
        items, self._buffer = self._buffer, []
        now = self._clock.now()
        window = timedelta(seconds=self.settings.dedup_window_s)
        rows = [
            (n.key, n.kind.value, n.subject, n.body, now + (FOREVER if _natural(n) else window)) for n in items
        ]
        try:
            stored = self._outbox.add_notifications(rows, now)
        except Exception as exc:
            self._report("ERROR", f"E-mail notifications could not be stored in the outbox: {exc}")
            return
        if stored and self._batch_timer is None:
            loop = asyncio.get_running_loop()
            self._batch_timer = loop.call_later(self.settings.batch_window_s, self._batch_now)

    def _batch_now(self) -> None:
        self._batch_timer = None
        try:
            pending = self._outbox.pending_notifications()
            if pending:
                message_id = f"notify.{self._clock.now():%Y%m%d%H%M%S}.{secrets.token_hex(6)}@tradeterm"
                self._outbox.batch([p.id for p in pending], text.compose_mail(pending, message_id), self._clock.now())
        except Exception as exc:
            self._report("ERROR", f"E-mail notifications could not be queued in the outbox: {exc}")
            return
        self._wake.set()

    # --- sending --------------------------------------------------------------------------------

    def _running(self) -> bool:
        return not self._closing

    async def _send_loop(self) -> None:
        while self._running():  # a flag as well as cancel: Python 3.11's wait_for can swallow a cancel
            self._wake.clear()
            try:
                await self._send_due()
            except Exception as exc:  # the outbox failed: say so, keep the loop alive, try again later
                self._report("ERROR", f"E-mail notifications: the outbox failed ({exc}); retrying.")
                await asyncio.sleep(self.settings.retry_base_s)
            delay = self._next_delay()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def _next_delay(self) -> float | None:
        if self._mailer is None:
            return None
        try:
            due = self._outbox.next_due()
        except Exception:
            return self.settings.retry_base_s
        if due is None:
            return None
        return max(0.0, (due - self._clock.now()).total_seconds())

    async def _send_due(self) -> None:
        mailer = self._mailer
        if mailer is None:
            return
        try:
            due = self._outbox.due_mails(self._clock.now())
        except Exception as exc:
            self._report("ERROR", f"The mail outbox cannot be read: {exc}")
            return
        for mail in due:
            try:
                await asyncio.wait_for(mailer.send(mail.message), timeout=self.settings.send_timeout_s)
            except (MailError, TimeoutError) as exc:
                reason = str(exc) if isinstance(exc, MailError) else "the SMTP server did not answer in time"
                self._on_send_failed(mail.id, mail.attempts, reason)
                return  # the server is failing: wait for the backoff before trying the others
            self._outbox.mark_sent(mail.id, self._clock.now())
            if self._failing:
                self._failing = False
                self._report("INFO", "E-mail notifications are being delivered again.")

    def _on_send_failed(self, mail_id: int, attempts: int, reason: str) -> None:
        delay = min(self.settings.retry_max_s, self.settings.retry_base_s * 2 ** attempts)
        self._outbox.mark_failed(mail_id, reason, self._clock.now() + timedelta(seconds=delay))
        self._failing = True
        waiting = self._outbox.unsent_count()
        self._report("WARNING", f"E-mail notification not sent: {reason} Retrying in {delay:.0f} s "
                                f"({waiting} mail(s) waiting).")

    async def _summary_loop(self) -> None:
        at = self.settings.daily_summary_at
        assert at is not None
        while True:
            now = self._clock.now()
            wait = (next_summary_time(now, at) - now).total_seconds()
            await asyncio.sleep(wait)
            self.queue_daily_summary()

    def _report(self, level: str, message: str) -> None:
        log.log(logging.getLevelName(level), "%s", message)
        self._bus.publish(LogMessage(level, message))

    # --- events ---------------------------------------------------------------------------------

    def _on_fill_recorded(self, event: FillRecorded) -> None:
        if self._mails(NotificationKind.FILL):  # the mail's text (a table, a local time) only for a mail that goes
            self.notify(text.fill_notification(event.fill))

    def _on_order_updated(self, event: OrderUpdated) -> None:
        order = event.order
        if not order.events or order.status not in _TOLD_STATUSES:  # asked of every change of every order
            return
        last = order.events[-1]
        if last.ts < self._started_at - HISTORY_GRACE:
            return  # restored from the journal: told before, or too old to matter now
        if order.status is OrderStatus.REJECTED and isinstance(last, OrderRejected):
            self.notify(text.rejected_notification(order))
        elif order.status is OrderStatus.DENIED and isinstance(last, OrderDenied):
            self.notify(text.denied_notification(order))
        elif order.status is OrderStatus.PENDING_APPROVAL and isinstance(last, OrderPendingApproval):
            self.notify(text.approval_notification(order))

    def _on_trading_state_changed(self, event: TradingStateChanged) -> None:
        account = event.account_id
        if event.state is TradingState.ACTIVE:
            if account is not None:
                self._reconciling.discard(account)
            return
        if account is not None and event.state is TradingState.HALTED and (
            self._connection.get(account) is not ConnectionState.CONNECTED or account in self._reconciling
        ):
            return  # a disconnect or a reconciliation mismatch: told by their own notification
        self.notify(text.trading_state_notification(event))

    def _on_connection_changed(self, event: ConnectionChanged) -> None:
        account = event.account_id
        previous = self._connection.get(account)
        self._connection[account] = event.state
        if event.state is ConnectionState.CONNECTED and account in self._lost:
            self._lost.discard(account)
            self.notify(text.connection_notification(event, lost=False))
        elif event.state in _LOST and previous is ConnectionState.CONNECTED:
            self._lost.add(account)
            self.notify(text.connection_notification(event, lost=True))

    def _on_reconciliation_required(self, event: ReconciliationRequired) -> None:
        self._reconciling.add(event.account_id)
        self.notify(text.reconciliation_notification(event))

    def _on_token_expiring(self, event: BrokerTokenExpiring) -> None:
        self.notify(text.token_notification(event))


_NATURAL_KEYS = (NotificationKind.FILL, NotificationKind.ORDER_REJECTED, NotificationKind.APPROVAL_WAITING,
                 NotificationKind.TOKEN_EXPIRING, NotificationKind.DAILY_SUMMARY)


def _natural(notification: Notification) -> bool:
    """True when the key names one fact (a trade id, an order, a day): mailed once, ever."""
    return notification.kind in _NATURAL_KEYS or notification.key.startswith("denied:")
