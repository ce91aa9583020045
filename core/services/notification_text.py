"""What each notification says: pure functions from events and books to Notification, and the batched mail.

Nothing secret is ever part of a notification: only orders, fills, positions, states and reasons.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from core.domain import (
    AccountId,
    BrokerTokenExpiring,
    ConnectionChanged,
    Fill,
    Money,
    Order,
    OrderType,
    Position,
    ReconciliationRequired,
    TradingStateChanged,
)
from core.domain.funds import AccountFunds, FundsLine
from core.domain.protection import HeldChild
from core.ports.mailer import MailMessage, PendingNotification
from core.ports.notifier import Notification, NotificationKind
from core.services.portfolio import PnlTotals

PREFIX = "[TradeTerm]"
FOOTER = "—\nSent by TradeTerm. Choose which events are mailed under Settings > E-mail."


def _num(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value.normalize():f}"


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _when(ts: datetime) -> str:
    return ts.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def _table(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows) + 1
    return "\n".join(f"{name + ':':<{width}} {value}" for name, value in rows)


def _digest(parts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def order_terms(order: Order) -> str:
    """Return 'BUY 100 AAPL LMT 189.50' for order."""
    places = order.instrument.price_places
    text = f"{order.side.value} {_num(order.quantity.value)} {order.symbol} {order.order_type.value}"
    if order.order_type.needs_stop and order.stop_price is not None:
        label = "TRG" if order.order_type is OrderType.MARKET_IF_TOUCHED else "STP"
        text += f" {label} {order.stop_price.value:.{places}f}"
    if order.order_type.needs_limit and order.limit_price is not None:
        text += f" {order.limit_price.value:.{places}f}"
    return text


def _order_rows(order: Order) -> list[tuple[str, str]]:
    return [
        ("Account", str(order.account_id)),
        ("Order", order_terms(order)),
        ("Time in force", order.tif.value),
        ("Origin", order.origin.value + (f" ({order.strategy_id})" if order.strategy_id is not None else "")),
        ("Client order id", str(order.client_order_id)),
        ("Status", order.status.value),
        ("Filled", f"{_num(order.filled_qty)} of {_num(order.quantity.value)}"),
    ]


def fill_subject(fill: Fill) -> str:
    """Return a fill's one line: 'Fill: BUY 100 AAPL @ 187.25 (PAPER-1)' (a toast shows it for each fill)."""
    what = "Adjustment (the broker's position adopted, nothing executed)" if fill.is_adjustment else "Fill"
    return f"{what}: {fill.side.value} {_num(fill.quantity.value)} {fill.symbol} @ {fill.price} ({fill.account_id})"


def fill_notification(fill: Fill) -> Notification:
    subject = fill_subject(fill)
    body = _table([
        ("Account", str(fill.account_id)),
        ("Side", fill.side.value),
        ("Quantity", _num(fill.quantity.value)),
        ("Symbol", fill.symbol),
        ("Price", str(fill.price)),
        ("Commission", str(fill.commission)),
        ("Time", _when(fill.ts)),
        ("Trade id", str(fill.trade_id)),
        ("Client order id", str(fill.client_order_id) if fill.client_order_id is not None else "- (placed outside)"),
    ])
    return Notification(NotificationKind.FILL, f"fill:{fill.account_id}:{fill.trade_id}", subject, body)


def rejected_notification(order: Order) -> Notification:
    subject = f"Order rejected: {order_terms(order)} ({order.account_id})"
    body = f"The broker rejected the order: {order.reason}\n\n{_table(_order_rows(order))}"
    return Notification(NotificationKind.ORDER_REJECTED, f"rejected:{order.client_order_id}", subject, body)


def denied_notification(order: Order) -> Notification:
    subject = f"Order refused by risk checks: {order_terms(order)} ({order.account_id})"
    body = f"TradeTerm refused the order before it reached the broker: {order.reason}\n\n{_table(_order_rows(order))}"
    return Notification(NotificationKind.RISK_BREACH, f"denied:{order.client_order_id}", subject, body)


def approval_notification(order: Order) -> Notification:
    subject = f"Approval needed: {order_terms(order)} ({order.account_id})"
    body = ("A strategy order is waiting for your approval in TradeTerm's approval queue. "
            "It expires if not approved in time.\n\n" + _table(_order_rows(order)))
    return Notification(NotificationKind.APPROVAL_WAITING, f"approval:{order.client_order_id}", subject, body)


def trading_state_notification(event: TradingStateChanged) -> Notification:
    state = event.state.value
    if event.account_id is None:
        subject = f"Kill switch: all trading {state}"
        body = ("The kill switch was used: every working order on every account was asked to cancel and "
                f"trading is {state}.\n\nReason: {event.reason or '-'}\nTime: {_when(event.ts)}")
        key = f"kill:{state}:{_digest([event.reason])}"
        return Notification(NotificationKind.KILL_SWITCH, key, subject, body)
    subject = f"Trading {state} on {event.account_id}"
    meaning = ("only orders that reduce a position are accepted" if state == "REDUCING"
               else "no new orders are accepted")
    body = f"Account {event.account_id} is now {state}: {meaning}.\n\nReason: {event.reason or '-'}\n" \
           f"Time: {_when(event.ts)}"
    key = f"state:{event.account_id}:{state}:{_digest([event.reason])}"
    return Notification(NotificationKind.RISK_BREACH, key, subject, body)


def connection_notification(event: ConnectionChanged, lost: bool) -> Notification:
    what = "disconnected" if lost else "reconnected"
    subject = f"Broker {what}: {event.account_id}"
    advice = ("Its account is halted until it reconnects and reconciles." if lost
              else "Orders and positions were reconciled with the broker before trading resumed.")
    body = _table([
        ("Account", str(event.account_id)),
        ("State", event.state.value),
        ("Message", event.message or "-"),
        ("Time", _when(event.ts)),
    ]) + f"\n\n{advice}"
    key = f"conn:{event.account_id}:{what}:{_digest([event.message])}"
    return Notification(NotificationKind.CONNECTION, key, subject, body)


def reconciliation_notification(event: ReconciliationRequired) -> Notification:
    subject = f"Reconciliation mismatch on {event.account_id}"
    lines = "\n".join(f"- {difference}" for difference in event.differences)
    body = (f"TradeTerm's books and the broker's differ for {event.account_id}; the account is halted until "
            f"you review and accept the broker's state.\n\n{lines}\n\nTime: {_when(event.ts)}")
    key = f"recon:{event.account_id}:{_digest(list(event.differences))}"
    return Notification(NotificationKind.RECONCILIATION, key, subject, body)


def token_notification(event: BrokerTokenExpiring) -> Notification:
    subject = f"Broker login expires soon: {event.account_id}"
    body = (f"The access token of {event.account_id} expires at {_when(event.expires_at)}. "
            "Log in again in TradeTerm before then, or the account disconnects.")
    return Notification(NotificationKind.TOKEN_EXPIRING, f"token:{event.account_id}:{event.expires_at.isoformat()}",
                        subject, body)


def _position_line(p: Position) -> str:
    return (f"  {p.symbol:<10} {_num(p.quantity):>10} {_money(p.avg_cost):>12} {_money(p.last_price):>12} "
            f"{_money(p.unrealized_pnl):>14} {_money(p.realized_pnl):>12} {_money(p.daily_pnl):>12}")


def _funds_line(line: FundsLine) -> str:
    return (f"  Funds {line.label}: cash {_money(line.cash)}, equity {_money(line.equity)}, buying power "
            f"{_money(line.buying_power)}, margin used {_money(line.margin_used)}, margin available "
            f"{_money(line.margin_available)}")


def daily_summary_notification(
    day: date,
    positions: dict[AccountId, list[Position]],
    totals: dict[AccountId, dict[str, PnlTotals]],
    cash: dict[AccountId, tuple[Money, ...]],
    funds: Mapping[AccountId, AccountFunds] | None = None,
    held_children: Sequence[HeldChild] = (),
) -> Notification:
    """Return the end-of-day summary: per account, its positions, P&L per currency, cash and funds totals, and
    the stop-loss/take-profit orders TradeTerm holds for it."""
    funds = funds or {}
    live = [c for c in held_children if c.state.is_live]
    header = (f"  {'Symbol':<10} {'Quantity':>10} {'Avg cost':>12} {'Last':>12} {'Unrealized':>14} "
              f"{'Realized':>12} {'Today':>12}")
    sections: list[str] = []
    for account in sorted(set(positions) | set(totals) | set(cash) | set(funds) | {c.account_id for c in live}):
        held = sorted(positions.get(account, []), key=lambda p: p.symbol)
        lines = [f"Account {account}"]
        lines += [header, *(_position_line(p) for p in held)] if held else ["  No positions."]
        for currency, t in totals.get(account, {}).items():
            lines.append(f"  P&L {currency}: today {_money(t.daily)}, unrealized {_money(t.unrealized)}, "
                         f"realized {_money(t.realized)}, market value {_money(t.market_value)}")
        balances = cash.get(account, ())
        if balances:
            lines.append("  Cash: " + ", ".join(str(m) for m in balances))
        if account in funds:
            lines += [_funds_line(line) for line in funds[account].lines]
        lines += [f"  Held by TradeTerm (works only while TradeTerm runs and has prices): {c.symbol} "
                  f"{c.leg.label} {c.trigger} for {c.quantity.normalize():f}"
                  + ("" if c.quantity else " (waits for its entry's fill)")
                  for c in live if c.account_id == account]
        sections.append("\n".join(lines))
    body = f"End-of-day summary for {day.isoformat()}.\n\n" + ("\n\n".join(sections) or "No accounts.")
    return Notification(NotificationKind.DAILY_SUMMARY, f"eod:{day.isoformat()}",
                        f"End-of-day summary {day.isoformat()}", body)


def compose_mail(items: Sequence[PendingNotification], message_id: str) -> MailMessage:
    """Return one mail carrying items: its own subject if one, else a count by kind and every body in turn."""
    if len(items) == 1:
        only = items[0]
        return MailMessage(f"{PREFIX} {only.subject}", f"{only.body}\n\n{FOOTER}\n", (), message_id)
    counts: dict[str, int] = {}
    for item in items:
        label = NotificationKind(item.kind).label if item.kind in NotificationKind._value2member_map_ else item.kind
        counts[label] = counts.get(label, 0) + 1
    summary = ", ".join(f"{n} {label}" for label, n in counts.items())
    parts = [f"=== {i}. {item.subject} ===\n{item.body}" for i, item in enumerate(items, start=1)]
    body = f"{len(items)} notifications ({summary}).\n\n" + "\n\n".join(parts) + f"\n\n{FOOTER}\n"
    return MailMessage(f"{PREFIX} {len(items)} notifications: {summary}", body, (), message_id)
