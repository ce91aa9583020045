"""What the window reads of a session (TradingSession.view): the answers its services give, nothing of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import (
    AccountId,
    ConnectionState,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TradingState,
    validate_request,
)
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[TradingSession]:
    bus = EventBus()
    made = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    config = PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})
    made.add_account(PaperBroker(ACCOUNT, config, bus.publish))
    made.restore()
    yield made
    await made.close()
    made.journal.close()


async def test_an_accounts_status_follows_its_connection_and_trading_state(session: TradingSession) -> None:
    view = session.view
    before = view.status(ACCOUNT)
    assert (before.kind, before.connection, before.trading) == ("paper", ConnectionState.DISCONNECTED,
                                                                TradingState.HALTED)
    assert before.reason == "Not connected."
    await session.connect(ACCOUNT)
    after = view.status(ACCOUNT)
    assert (after.connection, after.trading) == (ConnectionState.CONNECTED, TradingState.ACTIVE)
    assert not view.records_manual_fills(ACCOUNT), "a paper account reports its own fills"
    assert view.account_ids() == [ACCOUNT] and "AAPL" in view.instruments()


async def test_books_quotes_and_the_preview_are_the_sessions(session: TradingSession) -> None:
    view = session.view
    await session.connect(ACCOUNT)
    quote = view.latest_quote("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None and quote.ask is not None
    resting = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT,
                                                limit_price=quote.bid - Decimal(2)))
    bought = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "5", OrderType.MARKET))
    assert resting.is_working and bought.status is OrderStatus.FILLED
    assert view.working_count() == 1
    assert [(p.symbol, p.quantity) for p in view.open_positions()] == [("AAPL", Decimal(5))]
    assert set(view.pnl_totals()) == {"USD"}
    valid, errors = validate_request(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "100000", OrderType.MARKET),
                                     view.instruments()["AAPL"])
    assert valid is not None and not errors
    preview = view.preview(valid)
    assert preview.refusal is not None, "100,000 is over the default max order quantity (10,000)"
    assert preview.price == view.latest_quote("AAPL", str(ACCOUNT)).ask  # type: ignore[union-attr]
    assert view.working_count() == 1, "a preview sends nothing"


async def test_new_risk_limits_apply_at_once_and_their_use_is_shown(session: TradingSession) -> None:
    view = session.view
    await session.connect(ACCOUNT)
    session.set_risk_config(RiskConfig.from_dict({"global": {"max_order_qty": "3"}}))
    assert view.risk_config().global_limits.max_order_qty == Decimal(3)
    with pytest.raises(OrderRefused, match="Quantity 5 is above the 3 limit per order"):
        await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "5", OrderType.MARKET))
    assert "max_orders_per_minute" in view.risk_usage("global")
    assert view.mismatched_accounts() == [] and view.disabled_strategies() == []
