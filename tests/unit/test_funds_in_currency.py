"""A figure the broker reports only in the account's base currency, asked for in the order's currency."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from core.domain import AccountId, OrderRequest, OrderType, Quote, Side
from core.domain.funds import AccountFunds, FundsLine, FundsSource, LineKind
from core.domain.order_request import validate_request
from core.services.funds import in_currency
from core.services.funds_impact import FundsImpact, funds_impact
from core.services.live_fx import LiveFx
from core.services.order_preview import OrderPreview
from tests.factories import make_instrument

IB = AccountFunds(AccountId("IB-1"), (
    FundsLine("USD", cash=Decimal(50000), equity=Decimal(100000), buying_power=Decimal(200000), segment="BASE"),
    FundsLine("EUR", cash=Decimal(100), segment="cash", kind=LineKind.BALANCE),
), FundsSource.BROKER, datetime(2026, 12, 7, tzinfo=UTC))
EUR_USD = {"EUR.USD": Quote("EUR.USD", Decimal("1.24995"), Decimal("1.25005"))}


def test_a_usd_accounts_buying_power_is_given_in_eur_at_the_live_rate() -> None:
    """IB reports buying power in the BASE currency only: a SAP order on IBIS was told 'not reported yet'."""
    assert in_currency(IB, "EUR", "buying_power", LiveFx(EUR_USD.get)) == (Decimal(160000), "USD")
    assert in_currency(IB, "EUR", "equity", LiveFx(EUR_USD.get)) == (Decimal(80000), "USD")
    assert in_currency(IB, "USD", "buying_power", LiveFx(EUR_USD.get)) == (Decimal(200000), None)


def test_without_a_rate_it_stays_unknown_rather_than_guessed_and_the_ticket_says_how_to_get_one() -> None:
    assert in_currency(IB, "EUR", "buying_power", LiveFx({}.get)) == (None, "USD")
    assert in_currency(IB, "EUR", "buying_power", None) == (None, "USD")
    assert FundsImpact(None, Decimal(1900), "EUR", "USD").text == (
        "Buying power in EUR: reported in USD only; watch EUR.USD or EUR_USD to convert it")


def test_the_ticket_says_the_buying_power_was_converted() -> None:
    impact = FundsImpact(Decimal(160000), Decimal(1900), "EUR", "USD")
    assert impact.text == "Buying power 160,000.00 EUR (from USD) · this order ≈ 1,900.00 (1.2%)"


def test_an_account_whose_broker_reports_no_funds_is_not_told_they_are_coming() -> None:
    """An e-mail desk's funds are the books' cash only: the ticket said 'Buying power in USD: not reported yet',
    for good. It now says nothing of buying power there; a broker's funds without that currency still say it."""
    aapl = make_instrument("AAPL")
    valid, errors = validate_request(OrderRequest(AccountId("DESK-1"), "AAPL", Side.BUY, "10", OrderType.LIMIT,
                                                  "189.72"), aapl)
    assert valid is not None, errors
    preview = OrderPreview(None, Decimal("189.72"), Decimal("1897.2"), "USD")
    desk = AccountFunds(AccountId("DESK-1"), (), FundsSource.COMPUTED, datetime(2026, 12, 7, tzinfo=UTC))
    assert funds_impact(preview, valid, desk, None) is None
    broker = AccountFunds(AccountId("CN-1"), (FundsLine("CNY", cash=Decimal(1000)),), FundsSource.BROKER,
                          datetime(2026, 12, 7, tzinfo=UTC))
    impact = funds_impact(preview, valid, broker, None)
    assert impact is not None and impact.text == "Buying power in USD: not reported yet"


def test_a_margined_pair_is_shown_as_the_margin_it_needs_of_the_margin_available() -> None:
    """An OANDA ticket said 'Buying power 100,000.00 USD · this order ≈ 10,839.80 (10.8%)' for 10,000 EUR_USD,
    which holds 542 USD of margin at 20:1."""
    impact = FundsImpact(Decimal(100000), Decimal("541.99"), "USD", None, Decimal("0.05"))
    assert impact.text == "Margin available 100,000.00 USD · this order ≈ 541.99 (0.5%) at 5% margin"
    assert FundsImpact(Decimal(100), Decimal("541.99"), "USD", None, Decimal("0.05")).text.endswith(
        " — MORE THAN THE MARGIN AVAILABLE")
