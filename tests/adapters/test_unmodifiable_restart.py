"""easytrader and the e-mail desk refuse every change; a change cut by a crash is settled as not applied.

Their order lists now carry the order's price (easytrader's 委托价格, the desk's mailed limit), so even a
price-only change, whose quantity tells nothing, is settled on restart instead of left changing forever.
The crash is played in-process as in test_kite_modify_restart.py: the modify is abandoned (the broker's
refusal, if any, unheard) and the session closed with nothing more journaled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.easytrader.adapter import EasytraderBroker
from core.adapters.easytrader.config import EasytraderConfig
from core.adapters.mail.config import DeskConfig
from core.adapters.mail.desk import EmailDeskBroker
from core.domain import AccountId, Order, OrderRequest, OrderStatus, OrderType, Price, Quantity, Side
from core.ports.broker import BrokerAdapter, EventSink
from core.services.bus import EventBus
from core.services.replace_resolution import MODIFY_NOT_APPLIED
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.test_mail_desk import DESK, desk_settings, smtp_mailer
from tests.sims.easytrader import EasytraderSimulator
from tests.sims.easytrader.testing import sim_credentials, sim_settings
from tests.sims.smtp import SmtpSim
from tests.sims.smtp_fixtures import (  # noqa: F401  (pytest fixtures)
    fixture_ca,
    fixture_ca_file,
    fixture_server_tls,
    fixture_starttls_sim,
)

ET = AccountId("ET-1")
NO_COLLAR = RiskConfig(accounts={"ET-1": {"collar_pct": None}, "DESK-1": {"collar_pct": None}})
Deaf = [False]


def dies_during_modify(base: type) -> type:
    """Return base whose process dies as a change reaches the broker, its answer unheard."""

    class Dying(base):  # type: ignore[misc, valid-type]
        async def modify(self, order: Order, quantity: Quantity, limit_price: Price | None,
                         stop_price: Price | None) -> None:
            Deaf[0] = True
            await super().modify(order, quantity, limit_price, stop_price)
            raise asyncio.CancelledError

    return Dying


async def crash_then_restart(tmp_path: Path, make: Callable[[EventSink, bool], BrokerAdapter], account: AccountId,
                             request: OrderRequest, new_price: Decimal) -> Order:
    """Place request, change only its price, die; restart on the same journal; return the reconciled order."""
    Deaf[0] = False
    sessions: list[tuple[TradingSession, SqliteJournal]] = []
    for dying in (True, False):
        bus = EventBus()
        journal = SqliteJournal(tmp_path / "journal.sqlite")
        session = TradingSession(bus, journal, risk=NO_COLLAR)
        session.add_account(make(lambda e, b=bus: None if Deaf[0] else b.publish(e), dying))
        session.restore()
        report = await session.connect(account)
        assert report.ok, report.differences
        sessions.append((session, journal))
        if dying:
            order = await session.submit(request)
            assert order.status is OrderStatus.ACCEPTED, order.reason
            with pytest.raises(asyncio.CancelledError):
                await session.modify(order.client_order_id, order.quantity.value, new_price)
            assert order.status is OrderStatus.PENDING_REPLACE
            await session.close()
            journal.close()
            Deaf[0] = False
    session, journal = sessions[-1]
    (restored,) = session.oms.orders()
    await session.close()
    journal.close()
    return restored


@pytest.mark.slow
async def test_easytrader_a_price_change_cut_by_a_crash_is_settled_as_not_applied(tmp_path: Path) -> None:
    with EasytraderSimulator() as sim:
        quote = sim.exchange.quote("600000")
        assert quote.bid is not None
        limit = (quote.bid * Decimal("0.95")).quantize(Decimal("0.01"))

        def make(sink: EventSink, dying: bool) -> BrokerAdapter:
            kind = dies_during_modify(EasytraderBroker) if dying else EasytraderBroker
            config = EasytraderConfig.from_mapping(sim_settings(sim, order_map_path=str(tmp_path / "orders.json")))
            return kind(ET, config, sink, sim_credentials(sim))  # type: ignore[no-any-return]

        order = await crash_then_restart(tmp_path, make, ET, OrderRequest(ET, "600000", Side.BUY, "100",
                                                                            OrderType.LIMIT, str(limit)),
                                         limit - Decimal("0.01"))
    assert order.status is OrderStatus.ACCEPTED, "settled from easytrader's entrusts, not left changing forever"
    assert order.limit_price == Price(limit) and order.reason == MODIFY_NOT_APPLIED


@pytest.mark.slow
async def test_desk_a_price_change_cut_by_a_crash_is_settled_as_not_applied(
    tmp_path: Path, starttls_sim: SmtpSim, ca_file: str
) -> None:
    def make(sink: EventSink, dying: bool) -> BrokerAdapter:
        kind = dies_during_modify(EmailDeskBroker) if dying else EmailDeskBroker
        settings = desk_settings(tmp_path, smtp_mailer(starttls_sim, ca_file))
        mailer = settings.pop("mailer")
        return kind(DESK, DeskConfig.from_mapping(settings), sink, mailer)  # type: ignore[no-any-return]

    order = await crash_then_restart(tmp_path, make, DESK, OrderRequest(DESK, "AAPL", Side.BUY, "10",
                                                                        OrderType.LIMIT, "185.00"),
                                     Decimal("184.50"))
    assert order.status is OrderStatus.ACCEPTED, "settled from the desk's books, not left changing forever"
    assert order.limit_price == Price("185.00") and order.reason == MODIFY_NOT_APPLIED
