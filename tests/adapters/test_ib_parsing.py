"""IB translation tables and functions, tested without a socket."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from ib_async import (
    AccountValue,
    CommissionReport,
    Contract,
    ContractDetails,
    Execution,
    TagValue,
    Ticker,
)
from ib_async import Fill as IbFill
from ib_async import OrderStatus as IbOrderStatus
from ib_async import Position as IbPosition

from core.adapters.ib.config import PORT_PRESETS, IbConfig, IbPort
from core.adapters.ib.parsing import (
    INFORMATIONAL,
    MAP_ORDER_STATUS,
    MAP_ORDER_TYPE,
    IbErrorKind,
    build_order,
    client_id_in_use_message,
    contract_for,
    contract_for_spec,
    execution_filter_time,
    instrument_from_details,
    parse_cash,
    parse_fill,
    parse_order_state,
    parse_order_status,
    parse_position,
    parse_quote,
    to_broker_error,
    to_decimal,
    translate_error,
)
from core.adapters.ib.placed_order import PlacedOrder
from core.domain import AccountId, AssetClass, OrderStatus, OrderType, Side, TimeInForce
from core.ports.errors import (
    BrokerApiError,
    BrokerError,
    ConnectionLost,
    InsufficientFunds,
    InvalidInstrument,
    MarketClosed,
    OrderNotFound,
    OrderRejected,
    RateLimited,
)
from tests.factories import make_instrument, make_order

IB_STATUSES = sorted(
    value for name, value in vars(IbOrderStatus).items()
    if not name.startswith("_") and isinstance(value, str) and value
)


def test_every_ib_status_string_has_a_mapping() -> None:
    assert IB_STATUSES, "ib_async lists its status strings on OrderStatus"
    assert set(IB_STATUSES) <= set(MAP_ORDER_STATUS)


@pytest.mark.parametrize(
    ("status", "filled", "expected"),
    [
        ("PendingSubmit", "0", OrderStatus.SUBMITTED),
        ("ApiPending", "0", OrderStatus.SUBMITTED),
        ("PreSubmitted", "0", OrderStatus.ACCEPTED),
        ("Submitted", "0", OrderStatus.ACCEPTED),
        ("Submitted", "40", OrderStatus.PARTIALLY_FILLED),
        ("ApiUpdate", "0", OrderStatus.ACCEPTED),
        ("ValidationError", "0", OrderStatus.ACCEPTED),
        ("PendingCancel", "0", OrderStatus.PENDING_CANCEL),
        ("Cancelled", "40", OrderStatus.CANCELED),
        ("ApiCancelled", "0", OrderStatus.CANCELED),
        ("Filled", "100", OrderStatus.FILLED),
        ("Inactive", "0", OrderStatus.REJECTED),
        ("SomethingNew", "0", OrderStatus.UNKNOWN),
    ],
)
def test_status_mapping(status: str, filled: str, expected: OrderStatus) -> None:
    assert parse_order_status(status, Decimal(filled)) is expected


def test_done_states_of_ib_are_final_or_canceled_here() -> None:
    for status in IbOrderStatus.DoneStates:
        assert MAP_ORDER_STATUS[status] in (OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED)
    for status in IbOrderStatus.ActiveStates:
        assert MAP_ORDER_STATUS[status].is_working


@pytest.mark.parametrize(
    ("code", "message", "kind", "error_type", "words"),
    [
        (201, "Order rejected - reason:The order size is too large", IbErrorKind.ORDER_REJECTED, OrderRejected,
         "IB rejected the order: The order size is too large"),
        (201, "Order rejected - reason:YOUR EQUITY WITH LOAN VALUE MUST EXCEED THE INITIAL MARGIN",
         IbErrorKind.ORDER_REJECTED, InsufficientFunds, "Not enough margin or buying power"),
        (201, "Order rejected - reason:The market is closed", IbErrorKind.ORDER_REJECTED, MarketClosed,
         "The market is closed"),
        (200, "No security definition has been found for the request", IbErrorKind.INVALID_INSTRUMENT,
         InvalidInstrument, "IB has no contract for NOSUCH1"),
        (103, "Duplicate order id", IbErrorKind.DUPLICATE_ORDER_ID, OrderRejected, "send it again"),
        (1100, "Connectivity between IB and TWS has been lost.", IbErrorKind.CONNECTIVITY_LOST, ConnectionLost,
         "TWS lost its connection to IB's servers"),
        (202, "Order Canceled - reason:", IbErrorKind.ORDER_CANCELED, BrokerApiError, "Canceled at IB."),
        (10147, "OrderId 7 that needs to be cancelled is not found.", IbErrorKind.CANCEL_REJECTED, BrokerApiError,
         "IB does not know this order"),
        (10148, "OrderId 7 that needs to be cancelled cannot be cancelled, state: Filled.",
         IbErrorKind.CANCEL_REJECTED, BrokerApiError, "state: Filled"),
        (110, "The price does not conform to the minimum price variation for this contract.",
         IbErrorKind.PRICE_REFUSED, OrderRejected, "minimum price variation"),
        (135, "Can't find order with id =7", IbErrorKind.ORDER_NOT_FOUND, OrderNotFound, "cannot find this order"),
        (100, "Max rate of messages per second has been exceeded:max=50 rec=55 (1)", IbErrorKind.RATE_LIMITED,
         RateLimited, "Wait 1 s, then try again."),
        (9999, "Exotic failure", IbErrorKind.ERROR, BrokerApiError, "IB error 9999: Exotic failure"),
    ],
)
def test_error_codes_become_the_error_hierarchy_in_words(
    code: int, message: str, kind: IbErrorKind, error_type: type[BrokerError], words: str
) -> None:
    error = translate_error(code, message, subject="NOSUCH1")
    assert error.kind is kind
    raised = to_broker_error(error)
    assert type(raised) is error_type
    assert words in str(raised)


@pytest.mark.parametrize("code", [399, 404, 2109, 10311, 10349, 10167, 2104, 9999])
def test_informational_codes_never_refuse_or_end_an_order(code: int) -> None:
    kind = translate_error(code, "IB's words").kind
    assert kind in INFORMATIONAL
    assert not kind.refuses_new_order and not kind.refuses_modify


@pytest.mark.parametrize("code", [110, 135, 105, 329, 10326, 201])
def test_modify_refusals_are_known(code: int) -> None:
    assert translate_error(code, "IB's words").kind.refuses_modify


def test_farm_notices_are_information_and_unknown_codes_keep_ibs_words() -> None:
    assert translate_error(2104, "Market data farm connection is OK:usfarm").kind is IbErrorKind.INFO
    assert translate_error(2103, "Market data farm connection is broken:usfarm").kind is IbErrorKind.WARNING
    assert translate_error(2199, "something").kind is IbErrorKind.WARNING
    unknown = translate_error(9999, "Exotic failure")
    assert unknown.kind is IbErrorKind.ERROR and unknown.text == "IB error 9999: Exotic failure"


def test_client_id_conflict_message_offers_the_free_id() -> None:
    text = client_id_in_use_message(7, "127.0.0.1", 7497, 8)
    assert "Client id 7 is already in use" in text and "Client id 8 is free" in text
    assert "Pick another client id" in client_id_in_use_message(7, "127.0.0.1", 7497, None)


@pytest.mark.parametrize(
    ("spec", "sec_type", "symbol", "local", "exchange", "currency"),
    [
        ("AAPL", "STK", "AAPL", "", "SMART", "USD"),
        ("eur.usd", "CASH", "EUR", "", "IDEALPRO", "USD"),
        ("FUT:ESZ6@CME", "FUT", "", "ESZ6", "CME", ""),
        ("OPT:AAPL  261218C00200000", "OPT", "", "AAPL  261218C00200000", "SMART", ""),
    ],
)
def test_watchlist_specs(spec: str, sec_type: str, symbol: str, local: str, exchange: str, currency: str) -> None:
    contract = contract_for_spec(spec.upper())
    assert (contract.secType, contract.symbol, contract.localSymbol, contract.exchange, contract.currency) == (
        sec_type, symbol, local, exchange, currency)


def test_bad_watchlist_spec_is_explained() -> None:
    with pytest.raises(ValueError, match="kind 'BOND'"):
        contract_for_spec("BOND:XYZ")


def _details(contract: Contract, min_tick: float, name: str) -> ContractDetails:
    return ContractDetails(contract=contract, minTick=min_tick, longName=name)


def test_contract_details_become_instruments_with_tick_multiplier_and_currency() -> None:
    future = instrument_from_details(_details(Contract(
        secType="FUT", conId=495512563, symbol="ES", localSymbol="ESZ6", exchange="CME", currency="USD",
        multiplier="50"), 0.25, "E-mini S&P 500"))
    assert (future.symbol, future.venue, future.tick_size, future.multiplier, future.asset_class) == (
        "ESZ6", "CME", Decimal("0.25"), Decimal(50), AssetClass.FUTURE)
    fx = instrument_from_details(_details(Contract(
        secType="CASH", symbol="EUR", currency="USD", localSymbol="EUR.USD", exchange="IDEALPRO"), 5e-05, "Euro"))
    assert (fx.symbol, fx.tick_size, fx.asset_class) == ("EUR.USD", Decimal("0.00005"), AssetClass.FOREX)
    stock = instrument_from_details(_details(Contract(
        secType="STK", symbol="AAPL", exchange="SMART", primaryExchange="NASDAQ", currency="USD"), 0.01, "APPLE"))
    assert (stock.symbol, stock.venue, stock.tick_size, stock.multiplier) == ("AAPL", "NASDAQ", Decimal("0.01"), 1)
    for instrument in (future, fx, stock):
        back = contract_for(instrument)
        assert back.currency == "USD"
    assert contract_for(future).localSymbol == "ESZ6"
    assert (contract_for(fx).symbol, contract_for(fx).secType) == ("EUR", "CASH")
    assert (contract_for(stock).exchange, contract_for(stock).primaryExchange) == ("SMART", "NASDAQ")


@pytest.mark.parametrize(
    ("order_type", "limit", "stop", "tif", "ib_type"),
    [
        (OrderType.MARKET, None, None, TimeInForce.IOC, "MKT"),
        (OrderType.LIMIT, "189.55", None, TimeInForce.DAY, "LMT"),
        (OrderType.STOP, None, "180.00", TimeInForce.GTC, "STP"),
        (OrderType.STOP_LIMIT, "179.50", "180.00", TimeInForce.DAY, "STP LMT"),
    ],
)
def test_orders_carry_our_id_in_order_ref(
    order_type: OrderType, limit: str | None, stop: str | None, tif: TimeInForce, ib_type: str
) -> None:
    order = make_order(order_type=order_type, limit_price=limit, stop_price=stop, tif=tif, side=Side.SELL,
                       quantity="25")
    ib = build_order(order, "DU1234567", outside_rth=True)
    assert ib.orderRef == str(order.client_order_id) and len(ib.orderRef) <= 20
    assert (ib.action, ib.totalQuantity, ib.orderType, ib.tif, ib.account, ib.outsideRth) == (
        "SELL", 25.0, ib_type, tif.value, "DU1234567", True)
    assert MAP_ORDER_TYPE[order_type] == ib_type
    assert (ib.lmtPrice == float(limit)) if limit else ib.lmtPrice > 1e300
    assert (ib.auxPrice == float(stop)) if stop else ib.auxPrice > 1e300


def test_a_placed_order_is_spelled_out_in_full_in_ib_async_s_log_and_by_its_ids_while_that_log_is_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    order = make_order(order_type=OrderType.LIMIT, limit_price="189.55", side=Side.BUY, quantity="3")
    ib = build_order(order, "DU1234567")
    ib.orderId = 41
    quiet = repr(ib)  # what ib_async's f"placeOrder: New order {trade}" costs while nobody takes the line
    assert quiet == (f"Order(orderId=41, permId=0, action='BUY', totalQuantity=3.0, orderType='LMT', "
                     f"lmtPrice=189.55, orderRef='{order.client_order_id}')")
    with caplog.at_level(logging.INFO, logger="ib_async"):
        logged = repr(ib)
    assert logged.startswith("Order(orderId=41, action='BUY', totalQuantity=3.0, orderType='LMT', lmtPrice=189.55,")
    assert "account='DU1234567'" in logged and "tif='DAY'" in logged and "transmit" not in logged


def test_a_placed_order_is_field_for_field_the_ib_async_order_and_shares_no_list_with_the_next() -> None:
    order = make_order(order_type=OrderType.LIMIT, limit_price="189.55", side=Side.BUY, quantity="3")
    ib = build_order(order, "DU1234567", outside_rth=True)
    made = PlacedOrder(action="BUY", totalQuantity=3.0, orderType="LMT", lmtPrice=189.55, tif="DAY",
                       account="DU1234567", orderRef=str(order.client_order_id), outsideRth=True, transmit=True)
    assert vars(ib) == vars(made) and list(vars(ib)) == list(vars(made))
    ib.algoParams.append(TagValue("adaptivePriority", "Urgent"))  # an algo order's parameters
    ib.conditions.append(None)
    ib.softDollarTier.name = "tier"
    after = build_order(order, "DU1234567")
    assert (after.algoParams, after.conditions, after.softDollarTier.name) == ([], [], "")


def test_execution_with_commission_becomes_a_fill_keyed_by_exec_id() -> None:
    when = datetime(2026, 11, 20, 15, 30, 1, tzinfo=UTC)
    contract = Contract(secType="STK", symbol="AAPL", currency="USD", conId=265598)
    execution = Execution(execId="0000e0d5.000f4241.01.01", time=when, acctNumber="DU1", side="SLD", shares=30.0,
                          price=189.53, permId=1000001, orderRef="T2611201530017ABCDEF")
    report = CommissionReport(execId=execution.execId, commission=1.0, currency="USD")
    fill = parse_fill(IbFill(contract, execution, report, when), AccountId("IB-1"), "AAPL")
    assert str(fill.trade_id) == "0000e0d5.000f4241.01.01"
    assert str(fill.client_order_id) == "T2611201530017ABCDEF"
    assert (fill.side, fill.quantity.value, fill.price.value) == (Side.SELL, Decimal(30), Decimal("189.53"))
    assert (fill.commission.amount, fill.commission.currency) == (Decimal(1), "USD")
    assert fill.ts == when and str(fill.broker_order_id) == "1000001"
    foreign = parse_fill(IbFill(contract, Execution(execId="x.1", time=when, side="BOT", shares=1.0, price=1.0),
                                CommissionReport(), when), AccountId("IB-1"), "AAPL")
    assert foreign.client_order_id is None and foreign.commission.amount == 0


def test_future_positions_are_per_unit_and_cash_leaves_out_base() -> None:
    es = Contract(secType="FUT", localSymbol="ESZ6", symbol="ES", multiplier="50", conId=1)
    position = parse_position(IbPosition("DU1", es, -2.0, 260012.5))
    assert (position.symbol, position.quantity, position.avg_cost) == ("ESZ6", Decimal(-2), Decimal("5200.25"))
    values = [
        AccountValue("DU1", "CashBalance", "1000.50", "USD", ""),
        AccountValue("DU1", "CashBalance", "1000.50", "BASE", ""),
        AccountValue("DU1", "CashBalance", "-20", "EUR", ""),
        AccountValue("DU2", "CashBalance", "5", "USD", ""),
        AccountValue("DU1", "NetLiquidation", "9", "USD", ""),
    ]
    assert [(m.amount, m.currency) for m in parse_cash(values, "DU1")] == [
        (Decimal(-20), "EUR"), (Decimal("1000.50"), "USD")]


def test_quotes_wait_for_both_sides_and_drop_ibs_no_price_values() -> None:
    ticker = Ticker(contract=Contract(conId=1))  # its __post_init__ resets fields: set them afterwards
    ticker.bid, ticker.bidSize = 189.5, 3.0
    assert parse_quote("AAPL", ticker) is None
    ticker.ask, ticker.askSize, ticker.last, ticker.volume, ticker.close = 189.51, 4.0, -1.0, 1200.0, 188.0
    quote = parse_quote("AAPL", ticker)
    assert quote is not None
    assert (quote.bid, quote.ask, quote.last, quote.close, quote.volume) == (
        Decimal("189.5"), Decimal("189.51"), None, Decimal(188), Decimal(1200))


def test_numbers_and_times() -> None:
    assert to_decimal(0.1 + 0.2) == Decimal("0.30000000000000004")
    assert to_decimal(float("nan")) is None and to_decimal(1.7976931348623157e308) is None
    assert to_decimal(100.0) == Decimal(100)
    assert execution_filter_time(datetime(2026, 1, 2, 3, 4, 5, 999, tzinfo=UTC)) == "20260102-03:04:05"


def test_config_presets_and_validation() -> None:
    assert [p.value for p in IbPort] == [7497, 7496, 4002, 4001]
    assert PORT_PRESETS[IbPort.GATEWAY_LIVE] == "IB Gateway live (4001)"
    config = IbConfig.from_mapping({"port": "4002", "client_id": "12", "account": "du123"})
    assert (config.port, config.client_id, config.account, config.is_live_port) == (4002, 12, "DU123", False)
    assert IbConfig.from_mapping(config.to_mapping()) == config
    for bad, words in [
        ({"port": 70000}, "port must be between 1 and 65535"),
        ({"client_id": -1}, "client_id must be from 0"),
        ({"host": "my host"}, "host must be a host name"),
        ({"read_only": "yes"}, "read_only must be true or false"),
        ({"account": "DU-1"}, "account must be an IB account code"),
        ({"password": "x"}, "unknown field(s) password"),
        ({"reconnect_initial_s": 10, "reconnect_max_s": 5}, "reconnect_max_s"),
    ]:
        with pytest.raises(ValueError, match=re.escape(words)):
            IbConfig.from_mapping(bad)
    assert make_instrument().symbol == "AAPL"


def test_order_state_reason_is_ibs_latest_word_in_the_traders_terms() -> None:
    from ib_async import Contract, Trade, TradeLogEntry
    from ib_async import Order as IbOrder
    from ib_async import OrderStatus as IbStatus

    when = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
    trade = Trade(
        contract=Contract(secType="STK", symbol="AAPL", currency="USD"),
        order=IbOrder(orderId=7, action="BUY", totalQuantity=10, orderRef="T261206150000ABCDEFG"),
        orderStatus=IbStatus(orderId=7, status="Inactive"),
        log=[TradeLogEntry(when, "PendingSubmit"),
             TradeLogEntry(when, "Cancelled", "Error 201, reqId 7: Order rejected - reason:Size above the TWS limit",
                           201),
             TradeLogEntry(when, "Inactive")],
    )
    state = parse_order_state(trade, "AAPL")
    assert state.status is OrderStatus.REJECTED
    assert state.reason == "IB rejected the order: Size above the TWS limit"
