"""Two accounts list the same symbol as different instruments: each order is checked against its own account's.

INFY is the NYSE ADR (USD, tick 0.01) on one account and the NSE share (INR, tick 0.05) on another. Whichever
account connected last, an order is validated on its own account's tick and its notional is counted in its own
account's currency: a real session, two real paper brokers, the real SQLite journal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Instrument, OrderRequest, OrderStatus, OrderType, Side
from core.services.bus import EventBus
from core.services.instruments import InstrumentCatalog
from core.services.risk import RiskConfig, RiskLimits
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal

US, IN = AccountId("US-1"), AccountId("IN-1")
ADR = Instrument("INFY", "NYSE", "USD", Decimal("0.01"), name="Infosys ADR")
NSE = Instrument("INFY", "NSE", "INR", Decimal("0.05"), name="Infosys Ltd.")
LISTS = {US: (ADR, Decimal("17.00")), IN: (NSE, Decimal("1520.00"))}
LIMITS = RiskLimits(currency="USD", max_order_notional=Decimal(10_000), fx_rates=(("INR", Decimal("0.012")),))


@pytest.fixture(params=[(US, IN), (IN, US)], ids=["IN-connects-last", "US-connects-last"])
async def session(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[TradingSession]:
    bus = EventBus()
    made = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"), risk=RiskConfig(LIMITS))
    for account in request.param:
        instrument, price = LISTS[account]
        config = PaperConfig(tick_interval_s=60, state_path=str(tmp_path / f"{account}.json"))
        made.add_account(PaperBroker(account, config, bus.publish, instruments=[instrument],
                                     start_prices={"INFY": price}))
    made.restore()
    for account in request.param:
        await made.connect(account)
    yield made
    await made.close()
    made.journal.close()


def buy(account: AccountId, qty: str, price: str) -> OrderRequest:
    return OrderRequest(account, "INFY", Side.BUY, qty, OrderType.LIMIT, limit_price=price)


async def test_a_price_off_the_nse_tick_is_refused_on_the_indian_account(session: TradingSession) -> None:
    with pytest.raises(OrderRefused) as refused:
        await session.submit(buy(IN, "1", "1520.01"))
    (error,) = refused.value.errors
    assert error.field == "limit_price" and "0.05" in error.message


async def test_the_adr_notional_is_counted_in_dollars_against_the_dollar_limit(session: TradingSession) -> None:
    with pytest.raises(OrderRefused) as refused:
        await session.submit(buy(US, "1000", "17.05"))  # $17,050: over the $10,000 limit (₹17,050 would pass)
    (error,) = refused.value.errors
    assert error.message.startswith("Order value 17,050.00 USD is above the 10,000.00 USD limit")
    (denied,) = [o for o in session.oms.orders() if o.status is OrderStatus.DENIED]
    assert denied.instrument == ADR


async def test_each_account_sends_its_order_with_its_own_instrument(session: TradingSession) -> None:
    dollars = await session.submit(buy(US, "10", "17.01"))
    rupees = await session.submit(buy(IN, "10", "1520.05"))
    assert (dollars.instrument, rupees.instrument) == (ADR, NSE)


def test_the_catalog_falls_back_to_the_global_instrument_for_an_account_that_does_not_list_it() -> None:
    catalog = InstrumentCatalog()
    catalog.add([ADR], US)
    catalog.add([NSE], IN)
    assert catalog.find("infy", US) == ADR and catalog.find("INFY", IN) == NSE
    assert catalog.find("INFY", "KITE-9") == NSE == catalog["INFY"]  # the global map: last added wins
    assert catalog.find("INFY") == NSE and len(catalog) == 1
