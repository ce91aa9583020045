"""easytrader parsing without a socket: each client's Chinese columns, statuses, error words, config, order map."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.easytrader.config import CLIENT_TYPES, EasytraderConfig
from core.adapters.easytrader.order_map import MappedOrder, OrderMap
from core.adapters.easytrader.parsing import (
    CLIENT_COLUMNS,
    Entrust,
    cancel_refusal,
    columns_for,
    entrust_status,
    parse_entrusts,
    parse_funds,
    parse_holdings,
    parse_trades,
    split_error,
    trade_time,
    translate_error,
)
from core.domain import ClientOrderId, OrderStatus, Side
from core.ports.errors import (
    AuthenticationFailed,
    BrokerError,
    ConnectionLost,
    InsufficientFunds,
    InvalidInstrument,
    MarketClosed,
    OrderRejected,
)

# Rows as each client's grid sends them through easytrader's server (numbers as floats, codes as strings).
THS_BALANCE = {"资金余额": 98213.5, "可用金额": 90213.5, "可取金额": 90213.5, "总资产": 120000.0}
HT_BALANCE = {"资金余额": 5000.0, "冻结资金": 200.0, "可用金额": 4800.0, "可取金额": 4800.0, "股票市值": 786.0,
              "总资产": 5786.0}
YH_BALANCE = [{"币种": "人民币", "资金余额": 1234.56, "可用资金": 1000.0, "可取资金": 1000.0, "参考市值": 0.0,
               "总资产": 1234.56}]
POSITIONS = {
    "universal_client": {"证券代码": "600000", "证券名称": "浦发银行", "股票余额": 300, "可用余额": 200, "冻结数量": 0,
                         "成本价": 7.812, "市价": 7.9, "盈亏": 26.4, "市值": 2370.0},
    "ht_client": {"证券代码": "600000", "证券名称": "浦发银行", "股份余额": 300, "股份可用": 200, "参考成本价": 7.812,
                  "参考市价": 7.9, "参考市值": 2370.0, "盈亏比例(%)": "1.13%"},
    "yh_client": {"证券代码": "600000", "证券名称": "浦发银行", "实际数量": 300, "可用数量": 200, "成本价": 7.812,
                  "当前价": 7.9, "最新市值": 2370.0},
}
ENTRUSTS = {
    "universal_client": {"委托时间": "09:31:02", "证券代码": "1", "证券名称": "平安银行", "操作": "卖出",
                         "备注": "部撤", "委托数量": 300, "成交数量": 100, "委托价格": 10.5, "合同编号": "2041"},
    "ht_client": {"委托时间": "09:31:02", "证券代码": "000001", "证券名称": "平安银行", "买卖标志": "卖出",
                  "备注": "部撤", "委托数量": 300, "成交数量": 100, "委托价格": 10.5, "合同编号": "2041"},
    "yh_client": {"委托时间": "093102", "证券代码": "000001", "证券名称": "平安银行", "买卖标志": "证券卖出",
                  "状态说明": "部撤", "委托数量": 300, "成交数量": 100, "委托价格": 10.5, "合同编号": "2041"},
}
TRADES = {
    "universal_client": {"成交时间": "09:31:05", "证券代码": "000001", "操作": "卖出", "成交数量": 100,
                         "成交均价": 10.52, "成交金额": 1052.0, "合同编号": "2041", "成交编号": "880001"},
    "ht_client": {"成交时间": "09:31:05", "证券代码": "000001", "买卖标志": "卖出", "成交数量": 100,
                  "成交价格": 10.52, "合同编号": "2041", "成交编号": "880001"},
    "yh_client": {"成交时间": "093105", "证券代码": "000001", "买卖标志": "证券卖出", "成交数量": 100,
                  "成交价格": 10.52, "合同编号": "2041", "成交编号": "880001"},
}


def test_every_client_type_in_the_panel_has_a_column_table() -> None:
    assert set(CLIENT_TYPES) == set(CLIENT_COLUMNS)


@pytest.mark.parametrize(("client", "raw", "cash", "available"), [
    ("universal_client", THS_BALANCE, "98213.5", "90213.5"),
    ("ht_client", HT_BALANCE, "5000.0", "4800.0"),
    ("yh_client", YH_BALANCE, "1234.56", "1000.0"),
])
def test_balance_becomes_cash_in_yuan_for_each_client(client: str, raw: object, cash: str, available: str) -> None:
    funds = parse_funds(raw, columns_for(client))
    assert (funds.cash, funds.available) == (Decimal(cash), Decimal(available))


@pytest.mark.parametrize("client", list(POSITIONS))
def test_positions_keep_total_and_sellable_quantity_apart_for_each_client(client: str) -> None:
    [holding] = parse_holdings([POSITIONS[client]], columns_for(client))
    assert (holding.symbol, holding.total, holding.available) == ("600000", Decimal(300), Decimal(200))
    assert holding.avg_cost == Decimal("7.812") and holding.price == Decimal("7.9")


@pytest.mark.parametrize("client", list(ENTRUSTS))
def test_entrusts_and_trades_map_to_side_status_and_numbers_for_each_client(client: str) -> None:
    [entrust] = parse_entrusts([ENTRUSTS[client]], columns_for(client))
    assert entrust == Entrust("2041", "000001", Side.SELL, Decimal(300), Decimal(100), Decimal("10.5"),
                              OrderStatus.CANCELED, "部撤", ENTRUSTS[client]["委托时间"])
    [trade] = parse_trades([TRADES[client]], columns_for(client))
    assert (trade.trade_no, trade.entrust_no, trade.side, trade.price) == ("880001", "2041", Side.SELL,
                                                                          Decimal("10.52"))
    when = trade_time(date(2026, 11, 20), trade.time_text, datetime.now(UTC))
    assert when == datetime(2026, 11, 20, 1, 31, 5, tzinfo=UTC)


def test_a_grid_of_another_client_names_the_missing_column_and_the_fix() -> None:
    with pytest.raises(BrokerError, match=r"no column 实际数量 .*client type chosen in the connection panel"):
        parse_holdings([POSITIONS["universal_client"]], columns_for("yh_client"))


@pytest.mark.parametrize(("text", "status"), [
    ("已报", OrderStatus.ACCEPTED), ("部成", OrderStatus.PARTIALLY_FILLED), ("已成", OrderStatus.FILLED),
    ("已撤", OrderStatus.CANCELED), ("部撤", OrderStatus.CANCELED), ("已报待撤", OrderStatus.PENDING_CANCEL),
    ("废单", OrderStatus.REJECTED), ("未报", OrderStatus.SUBMITTED), ("撤单中待确认", OrderStatus.PENDING_CANCEL),
])
def test_entrust_status_texts(text: str, status: OrderStatus) -> None:
    assert entrust_status(text) is status


def test_error_text_is_split_like_easytrader_formats_it() -> None:
    assert split_error("<class 'easytrader.exceptions.TradeError'>: 委托失败") == ("TradeError", "委托失败")
    assert split_error("<class 'KeyError'>: 'user'") == ("KeyError", "'user'")


@pytest.mark.parametrize(("text", "action", "kind", "words"), [
    ("<class 'easytrader.exceptions.TradeError'>: 委托失败: 可用股份不足", "sell", OrderRejected, "(T+1)"),
    ("<class 'easytrader.exceptions.TradeError'>: 可用资金不足", "buy", InsufficientFunds, "Not enough available cash"),
    ("<class 'easytrader.exceptions.TradeError'>: 委托价格超出涨跌停范围", "buy", OrderRejected, "price limits"),
    ("<class 'easytrader.exceptions.TradeError'>: 买入数量必须是100的整数倍", "buy", OrderRejected, "lots of 100"),
    ("<class 'easytrader.exceptions.TradeError'>: 证券代码不存在", "buy", InvalidInstrument, "six-digit code"),
    ("<class 'easytrader.exceptions.TradeError'>: 非交易时间", "buy", MarketClosed, "market is closed"),
    ("<class 'KeyError'>: 'user'", "read", ConnectionLost, "press Prepare"),
    ("<class 'Exception'>: 登录失败", "prepare", AuthenticationFailed, "check the user, password"),
    ("<class 'NotImplementedError'>: ", "prepare", AuthenticationFailed, "client type"),
])
def test_server_errors_become_broker_errors_a_trader_understands(
    text: str, action: str, kind: type[BrokerError], words: str
) -> None:
    error = translate_error(text, action, "600000")
    assert type(error) is kind and words in str(error)


def test_the_not_cancelable_answer_is_a_refusal_and_success_is_not() -> None:
    assert cancel_refusal({"message": "委托单状态错误不能撤单, 该委托单可能已经成交或者已撤"}) is not None
    assert cancel_refusal({"message": "success"}) is None


def test_config_refuses_bad_fields_by_name() -> None:
    with pytest.raises(ValueError, match="client_type must be one of"):
        EasytraderConfig.from_mapping({"client_type": "xq"})
    with pytest.raises(ValueError, match="AAPL is not a six-digit A-share code"):
        EasytraderConfig.from_mapping({"symbols": ["600000", "AAPL"]})
    with pytest.raises(ValueError, match="unknown field"):
        EasytraderConfig.from_mapping({"password": "x"})
    assert EasytraderConfig.from_mapping(EasytraderConfig().to_mapping()).port == 1430


def _mapped(coid: str, price: str = "7.85") -> MappedOrder:
    return MappedOrder(ClientOrderId(coid), "600000", Side.BUY, Decimal(100), Decimal(price),
                       datetime(2026, 11, 20, 2, tzinfo=UTC))


def test_order_map_survives_a_restart_and_forgets_yesterday(tmp_path: Path) -> None:
    path = str(tmp_path / "map.json")
    today = date(2026, 11, 20)
    first = OrderMap(path, today)
    first.sending(_mapped("T1"))
    first.resolve(ClientOrderId("T1"), "2041")
    first.sending(_mapped("T2"))
    again = OrderMap(path, today)
    assert again.coid_for("2041") == ClientOrderId("T1")
    assert [o.client_order_id for o in again.unresolved()] == [ClientOrderId("T2")]
    assert len(OrderMap(path, date(2026, 11, 23))) == 0


def test_order_map_claims_a_lost_answer_by_code_side_quantity_and_price_only_once(tmp_path: Path) -> None:
    orders = OrderMap(None, date(2026, 11, 20))
    orders.sending(_mapped("T1", "7.85"))
    rows = [Entrust(no, "600000", Side.BUY, Decimal(100), Decimal(0), Decimal(price), OrderStatus.ACCEPTED, "已报",
                    "10:00:0" + no[-1]) for no, price in (("2041", "7.80"), ("2042", "7.85"), ("2043", "7.85"))]
    claimed = orders.claim(rows)
    assert [(o.client_order_id, e.entrust_no) for o, e in claimed] == [(ClientOrderId("T1"), "2042")]
    assert orders.claim(rows) == []


def test_the_registry_does_not_import_easytrader_until_an_account_connects() -> None:
    code = (
        "import sys\n"
        "from core.adapters.registry import create_adapter\n"
        "a = create_adapter('easytrader', 'ET-1', {'user': 'u'}, lambda e: None)\n"
        "assert a.kind == 'easytrader'\n"
        "print(sorted(m for m in ('easytrader', 'pandas', 'requests', 'flask') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[2], check=True)
    assert result.stdout.strip() == "[]"
