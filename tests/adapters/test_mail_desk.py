"""The e-mail desk end to end: the real session, journal and portfolio; orders mailed to an SMTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.mail.config import DeskConfig, SmtpConfig, SmtpSecurity
from core.adapters.mail.desk import EmailDeskBroker, ManualFillRefused, create
from core.adapters.mail.smtp import SmtpMailer
from core.adapters.registry import create_adapter
from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from core.storage.memory_keyring import MemoryKeyring
from core.storage.secrets import SecretStore
from tests.sims.smtp import SmtpSim
from tests.sims.smtp_fixtures import (  # noqa: F401  (pytest fixtures)
    PASSWORD,
    USER,
    fixture_ca,
    fixture_ca_file,
    fixture_server_tls,
    fixture_starttls_sim,
)

DESK = AccountId("DESK-1")
INSTRUMENTS = [
    {"symbol": "AAPL", "currency": "USD", "tick_size": "0.01", "venue": "NASDAQ"},
    {"symbol": "600519", "currency": "CNY", "tick_size": "0.01", "lot_size": "100", "venue": "SSE"},
]
SMTP_KEY = "smtp/password"
# A desk sends no quotes: its account switches the price collar off (the other limits still apply).
NO_COLLAR = RiskConfig(accounts={"DESK-1": {"collar_pct": None}, "PAPER-1": {"collar_pct": None}})


@dataclass
class Desk:
    session: TradingSession
    broker: EmailDeskBroker
    sim: SmtpSim
    journal: SqliteJournal


def desk_settings(tmp_path: Path, mailer: SmtpMailer) -> dict[str, object]:
    return {"desk": ["orders@desk.example"], "instruments": INSTRUMENTS,
            "state_path": str(tmp_path / "desk.json"), "mailer": mailer}


def smtp_mailer(sim: SmtpSim, ca_path: str) -> SmtpMailer:
    secrets = SecretStore(backend=MemoryKeyring())
    secrets.set(SMTP_KEY, PASSWORD)
    config = SmtpConfig(host="127.0.0.1", port=sim.port, security=SmtpSecurity.STARTTLS, username=USER,
                        sender="trader@example.com", recipients=("trader@example.com",), ca_file=ca_path,
                        timeout_s=2)
    return SmtpMailer(config, password=lambda: secrets.get(SMTP_KEY))


async def open_desk(tmp_path: Path, sim: SmtpSim, ca_path: str) -> Desk:
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=NO_COLLAR)
    broker = create_adapter("email_desk", DESK, desk_settings(tmp_path, smtp_mailer(sim, ca_path)), bus.publish)
    assert isinstance(broker, EmailDeskBroker)
    session.add_account(broker)
    session.restore()
    report = await session.connect(DESK)
    assert report.ok, report.differences
    return Desk(session, broker, sim, journal)


@pytest.fixture
async def desk(tmp_path: Path, starttls_sim: SmtpSim, ca_file: str) -> AsyncIterator[Desk]:
    d = await open_desk(tmp_path, starttls_sim, ca_file)
    yield d
    await d.session.close()
    d.journal.close()


def buy_aapl(qty: str = "100", price: str = "189.50") -> OrderRequest:
    return OrderRequest(DESK, "AAPL", Side.BUY, qty, OrderType.LIMIT, limit_price=price)


async def test_an_order_is_mailed_to_the_desk_and_works(desk: Desk) -> None:
    order = await desk.session.submit(buy_aapl())
    [mail] = await desk.sim.wait_for(1)
    assert mail.subject == "[TradeTerm] BUY 100 AAPL LMT 189.50"
    assert mail.rcpt_tos == ["orders@desk.example"]
    for line in ("Action:          BUY", "Quantity:        100", "Symbol:          AAPL", "Venue:           NASDAQ",
                 "Order type:      LMT", "Limit price:     189.50", "Time in force:   DAY",
                 "Account:         DESK-1", f"Client order id: {order.client_order_id}"):
        assert line in mail.body
    assert PASSWORD not in mail.raw.decode()
    assert order.status is OrderStatus.ACCEPTED
    assert order.broker_order_id == "DESK-1-000001"


async def test_recorded_fills_update_the_order_and_the_position(desk: Desk) -> None:
    order = await desk.session.submit(buy_aapl())
    when = datetime.now(UTC) - timedelta(seconds=5)
    await desk.session.record_manual_fill(order.client_order_id, "40", "189.50", when)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    await desk.session.record_manual_fill(order.client_order_id, Decimal(60), Decimal("189.40"), when)
    assert order.status is OrderStatus.FILLED
    position = desk.session.portfolio.position(DESK, "AAPL")
    assert position is not None
    assert position.quantity == 100
    assert position.avg_cost == Decimal("189.44")
    fills = desk.journal.load().fills
    assert len({f.trade_id for f in fills}) == 2


@pytest.mark.parametrize(
    ("qty", "price", "field", "message"),
    [
        ("101", "189.50", "quantity", "Only 100 of AAPL remain"),
        ("0", "189.50", "quantity", "greater than zero"),
        ("10", "189.505", "price", "not on a tick"),
        ("ten", "189.50", "quantity", "is not a number"),
    ],
)
async def test_a_fill_that_does_not_fit_the_order_is_refused(
    desk: Desk, qty: str, price: str, field: str, message: str
) -> None:
    order = await desk.session.submit(buy_aapl())
    with pytest.raises(ManualFillRefused, match=message) as caught:
        await desk.session.record_manual_fill(order.client_order_id, qty, price, datetime.now(UTC))
    assert caught.value.field == field
    assert order.filled_qty == 0


async def test_a_fill_off_the_lot_or_in_the_future_is_refused(desk: Desk) -> None:
    order = await desk.session.submit(
        OrderRequest(DESK, "600519", Side.BUY, "300", OrderType.LIMIT, limit_price="1650.00"))
    with pytest.raises(ManualFillRefused, match="lots of 100"):
        await desk.session.record_manual_fill(order.client_order_id, "150", "1650.00", datetime.now(UTC))
    with pytest.raises(ManualFillRefused, match="in the future"):
        await desk.session.record_manual_fill(order.client_order_id, "100", "1650.00",
                                              datetime.now(UTC) + timedelta(hours=1))


async def test_cancel_mails_a_cancel_and_closes_the_order(desk: Desk) -> None:
    order = await desk.session.submit(buy_aapl())
    await desk.session.record_manual_fill(order.client_order_id, "30", "189.50", datetime.now(UTC))
    await desk.session.cancel(order.client_order_id)
    [_, cancel] = await desk.sim.wait_for(2)
    assert cancel.subject == f"[TradeTerm] CANCEL BUY 100 AAPL LMT 189.50 ({order.client_order_id})"
    assert "Filled so far:   30" in cancel.body and "To cancel:       70" in cancel.body
    assert order.status is OrderStatus.CANCELED


async def test_an_order_the_mail_server_refuses_is_rejected_not_lost(desk: Desk) -> None:
    await desk.sim.stop()
    order = await desk.session.submit(buy_aapl())
    assert order.status is OrderStatus.REJECTED
    assert "The order was not mailed to the desk: Cannot reach the SMTP server" in order.reason


async def test_after_a_restart_the_desk_books_reconcile(tmp_path: Path, starttls_sim: SmtpSim, ca_file: str) -> None:
    first = await open_desk(tmp_path, starttls_sim, ca_file)
    order = await first.session.submit(buy_aapl())
    await first.session.record_manual_fill(order.client_order_id, "100", "189.50", datetime.now(UTC))
    working = await first.session.submit(buy_aapl("5", "180.00"))
    await first.session.close()
    first.journal.close()
    second = await open_desk(tmp_path, starttls_sim, ca_file)  # asserts reconciliation found no difference
    position = second.session.portfolio.position(DESK, "AAPL")
    assert position is not None and position.quantity == 100
    restored = second.session.oms.get(working.client_order_id)
    assert restored is not None and restored.status is OrderStatus.ACCEPTED
    await second.session.record_manual_fill(working.client_order_id, "5", "180.00", datetime.now(UTC))
    assert restored.status is OrderStatus.FILLED
    await second.session.close()
    second.journal.close()


async def test_a_fill_cannot_be_recorded_on_an_account_that_reports_its_own(tmp_path: Path) -> None:
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=NO_COLLAR)
    session.add_account(create_adapter("paper", AccountId("PAPER-1"), {"tick_interval_s": 60}, bus.publish))
    await session.connect(AccountId("PAPER-1"))
    order = await session.submit(OrderRequest(AccountId("PAPER-1"), "AAPL", Side.BUY, "1", OrderType.LIMIT,
                                              limit_price="1.00"))
    with pytest.raises(ValueError, match="only on an e-mail desk"):
        await session.record_manual_fill(order.client_order_id, "1", "1.00", datetime.now(UTC))
    await session.close()
    journal.close()


def test_the_factory_needs_the_apps_mailer() -> None:
    with pytest.raises(ValueError, match="needs the e-mail settings"):
        create(DESK, {"desk": ["orders@desk.example"]}, lambda event: None)
    assert DeskConfig.from_mapping({"desk": "orders@desk.example"}).desk == ("orders@desk.example",)
