"""FundsService: reads an account's funds on fills and connects, folds bursts into one read, never reads per tick;
the totals per currency and the grand total in a base currency say which currency they leave out."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from core.domain import AccountId, AccountUpdated, ConnectionChanged, ConnectionState, FillRecorded, LogMessage, Quote
from core.domain.funds import AccountFunds, FundsLine, FundsSource, FundsUpdated, LineKind
from core.ports.errors import ConnectionLost
from core.services.accounts import AccountSlot
from core.services.bus import EventBus
from core.services.funds import FundsService
from core.services.funds_totals import currency_totals, grand_total, quote_rate
from core.services.portfolio import Portfolio
from tests.factories import make_fill, make_instrument
from tests.unit.risk_harness import FakeClock

ACCOUNT = AccountId("PAPER-1")


class CountingBroker:
    """A broker whose funds are a fixed cash; counts how often it is asked."""

    account_id = ACCOUNT
    kind = "paper"

    def __init__(self) -> None:
        self.asked = 0

    async def account_funds(self) -> AccountFunds:
        self.asked += 1
        return AccountFunds(ACCOUNT, (FundsLine("USD", cash=Decimal(1000 + self.asked)),), FundsSource.COMPUTED,
                            FakeClock().now())


def world(interval: float, broker: CountingBroker | None = None
          ) -> tuple[EventBus, CountingBroker, FundsService, list[FundsUpdated]]:
    """A FundsService over one account's broker (a CountingBroker unless given), and the FundsUpdated it publishes."""
    bus, clock = EventBus(), FakeClock()
    broker = broker if broker is not None else CountingBroker()
    portfolio = Portfolio(bus, {"AAPL": make_instrument()}, clock)
    service = FundsService(bus, {ACCOUNT: AccountSlot(broker)}, portfolio, clock, min_interval_s=interval)  # type: ignore[arg-type]
    seen: list[FundsUpdated] = []
    bus.subscribe(FundsUpdated, seen.append)
    return bus, broker, service, seen


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_burst_of_fills_and_any_number_of_ticks_cost_one_read() -> None:
    bus, broker, service, seen = world(interval=3600)
    bus.publish(ConnectionChanged(ACCOUNT, ConnectionState.CONNECTED))
    await settle()
    assert broker.asked == 1 and seen[-1].funds.lines[0].cash == Decimal(1001)
    for _ in range(50):
        bus.publish(FillRecorded(make_fill(account_id=ACCOUNT)))
        bus.publish_quotes([Quote("AAPL", Decimal("99"), Decimal("101"))])
    await settle()
    assert broker.asked == 1, "fills within the interval wait for its end; quotes never read"
    service.close()


async def test_a_fill_after_the_interval_reads_again_and_the_books_add_pnl() -> None:
    bus, broker, service, seen = world(interval=0)
    bus.publish(FillRecorded(make_fill(account_id=ACCOUNT, quantity="10", price="100", commission="1")))
    await settle()
    assert broker.asked == 1
    line = seen[-1].funds.line("USD")
    assert line is not None and line.realized_pnl == Decimal(-1), "TradeTerm's P&L, net of the commission"
    assert service.latest(ACCOUNT) is seen[-1].funds


def test_totals_per_currency_count_an_ib_base_line_once_and_skip_its_cash_lines() -> None:
    ib = AccountFunds(AccountId("IB-1"), (
        FundsLine("USD", cash=Decimal(900), equity=Decimal(1200), segment="BASE"),
        FundsLine("EUR", cash=Decimal(100), segment="cash", kind=LineKind.BALANCE),
    ), FundsSource.BROKER, FakeClock().now())
    paper = AccountFunds(ACCOUNT, (FundsLine("USD", cash=Decimal(50), equity=Decimal(50)),
                                   FundsLine("INR", cash=Decimal(8300), equity=Decimal(8300))),
                         FundsSource.COMPUTED, FakeClock().now())
    totals = currency_totals([ib, paper])
    assert totals["USD"].cash == Decimal(950) and totals["USD"].equity == Decimal(1250)
    assert "EUR" not in totals

    no_rate = grand_total(totals, "USD", quote_rate(lambda symbol: None))
    assert no_rate.equity == Decimal(1250) and no_rate.missing == ("INR",)
    assert "leaves out INR" in no_rate.text

    quotes = {"USD.INR": Quote("USD.INR", Decimal("82.9"), Decimal("83.1"))}
    converted = grand_total(totals, "USD", quote_rate(quotes.get))
    assert converted.missing == () and converted.equity == Decimal(1350), "8,300 INR at 83 is 100 USD"
    oanda = {"USD_INR": Quote("USD_INR", Decimal("82.9"), Decimal("83.1"))}  # OANDA spells its pairs so
    assert grand_total(totals, "USD", quote_rate(oanda.get)).equity == Decimal(1350)
    in_inr = grand_total(totals, "INR", quote_rate(quotes.get))
    assert in_inr.equity == Decimal(8300) + Decimal(1250) * 83


class ConnectingBroker(CountingBroker):
    """IB pushes the account's cash while it connects, before it can be read (ConnectionLost until connected)."""

    connected = False

    async def account_funds(self) -> AccountFunds:
        if not self.connected:
            self.asked += 1
            raise ConnectionLost("IB PAPER-1 is not connected: its funds cannot be read. Connect it.")
        return await super().account_funds()


async def test_cash_pushed_while_connecting_warns_nothing_and_the_connect_reads_at_once() -> None:
    """Every restart logged 'IB-1: could not read the account's funds: … not connected' as IB connected."""
    broker = ConnectingBroker()
    bus, _, service, seen = world(3600, broker)
    warnings: list[LogMessage] = []
    bus.subscribe(LogMessage, warnings.append)
    bus.publish(ConnectionChanged(ACCOUNT, ConnectionState.CONNECTING))
    bus.publish(AccountUpdated(ACCOUNT, ()))
    await settle()
    assert broker.asked == 1 and warnings == [] and seen == []
    broker.connected = True
    bus.publish(ConnectionChanged(ACCOUNT, ConnectionState.CONNECTED))
    await settle()
    assert len(seen) == 1, "the connect's read comes now, not an interval after the early one"
    service.close()


async def test_an_account_that_cannot_be_read_outside_a_connect_is_a_warning() -> None:
    bus, _broker, service, _seen = world(0, ConnectingBroker())
    warnings: list[LogMessage] = []
    bus.subscribe(LogMessage, warnings.append)
    bus.publish(FillRecorded(make_fill(account_id=ACCOUNT)))
    await settle()
    assert [w.text for w in warnings] == [
        "PAPER-1: could not read the account's funds: IB PAPER-1 is not connected: its funds cannot be read. "
        "Connect it."]
    service.close()
