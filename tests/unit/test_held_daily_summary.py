"""The daily e-mail lists the stop-loss/take-profit orders TradeTerm holds, with what they need to work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.domain import AccountId, ClientOrderId, Side
from core.domain.protection import Bracket, HeldState
from core.services.notification_text import daily_summary_notification


def test_the_daily_summary_lists_each_live_held_child_of_an_account() -> None:
    account = AccountId("PAPER-1")
    stop, target = Bracket(Decimal("185.00"), Decimal("195.00")).children(
        ClientOrderId("T2612061200000ABCDE"), account, "AAPL", Side.BUY)
    cancelled = Bracket(Decimal("90")).children(ClientOrderId("T2612061200000XYZAB"), account, "MSFT", Side.BUY)[0]
    body = daily_summary_notification(date(2026, 12, 6), {}, {}, {}, {}, [
        stop.sized(Decimal(100)), target, cancelled.with_state(HeldState.CANCELED)]).body
    assert "Account PAPER-1" in body
    assert ("Held by TradeTerm (works only while TradeTerm runs and has prices): AAPL stop-loss 185.00 for 100"
            in body)
    assert "AAPL take-profit 195.00 for 0 (waits for its entry's fill)" in body
    assert "MSFT" not in body
