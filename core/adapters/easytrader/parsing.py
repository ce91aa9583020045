"""Pure translation between easytrader's grids (Chinese column names per broker client) and domain types.

Each broker client shows its grids with its own column names; `CLIENT_COLUMNS` holds one table per
client type. The THS tables follow the 网上股票交易系统5.0 grids (the reference column set); the
Huatai and Galaxy tables follow their clients' grids as reported by easytrader users. Check a new
client against a live server: a missing column is reported by name, with the columns the client sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from core.domain import AssetClass, Instrument, OrderStatus, Side
from core.ports.errors import (
    AuthenticationFailed,
    BrokerError,
    ConnectionLost,
    InsufficientFunds,
    InvalidInstrument,
    MarketClosed,
    OrderRejected,
)

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
CURRENCY = "CNY"
TICK = Decimal("0.01")
LOT = Decimal(100)
NOT_CANCELABLE = "委托单状态错误不能撤单"
"""The start of the text easytrader answers (HTTP 201) when the entrust to cancel is no longer working."""


@dataclass(frozen=True, slots=True)
class ColumnTable:
    """The Chinese column names one broker client uses, by meaning. `balance_is_grid`: /balance is a list."""

    cash: str
    available_cash: str
    total_assets: str
    position_symbol: str
    position_name: str
    position_total: str
    position_available: str
    position_cost: str
    position_price: str
    entrust_time: str
    entrust_symbol: str
    entrust_side: str
    entrust_status: str
    entrust_quantity: str
    entrust_filled: str
    entrust_price: str
    entrust_no: str
    trade_time: str
    trade_symbol: str
    trade_side: str
    trade_quantity: str
    trade_price: str
    trade_entrust_no: str
    trade_no: str
    balance_is_grid: bool = False


THS = ColumnTable(
    cash="资金余额", available_cash="可用金额", total_assets="总资产",
    position_symbol="证券代码", position_name="证券名称", position_total="股票余额",
    position_available="可用余额", position_cost="成本价", position_price="市价",
    entrust_time="委托时间", entrust_symbol="证券代码", entrust_side="操作", entrust_status="备注",
    entrust_quantity="委托数量", entrust_filled="成交数量", entrust_price="委托价格", entrust_no="合同编号",
    trade_time="成交时间", trade_symbol="证券代码", trade_side="操作", trade_quantity="成交数量",
    trade_price="成交均价", trade_entrust_no="合同编号", trade_no="成交编号",
)
HT = ColumnTable(
    cash="资金余额", available_cash="可用金额", total_assets="总资产",
    position_symbol="证券代码", position_name="证券名称", position_total="股份余额",
    position_available="股份可用", position_cost="参考成本价", position_price="参考市价",
    entrust_time="委托时间", entrust_symbol="证券代码", entrust_side="买卖标志", entrust_status="备注",
    entrust_quantity="委托数量", entrust_filled="成交数量", entrust_price="委托价格", entrust_no="合同编号",
    trade_time="成交时间", trade_symbol="证券代码", trade_side="买卖标志", trade_quantity="成交数量",
    trade_price="成交价格", trade_entrust_no="合同编号", trade_no="成交编号",
)
YH = ColumnTable(
    cash="资金余额", available_cash="可用资金", total_assets="总资产",
    position_symbol="证券代码", position_name="证券名称", position_total="实际数量",
    position_available="可用数量", position_cost="成本价", position_price="当前价",
    entrust_time="委托时间", entrust_symbol="证券代码", entrust_side="买卖标志", entrust_status="状态说明",
    entrust_quantity="委托数量", entrust_filled="成交数量", entrust_price="委托价格", entrust_no="合同编号",
    trade_time="成交时间", trade_symbol="证券代码", trade_side="买卖标志", trade_quantity="成交数量",
    trade_price="成交价格", trade_entrust_no="合同编号", trade_no="成交编号",
    balance_is_grid=True,
)

CLIENT_COLUMNS: Mapping[str, ColumnTable] = MappingProxyType({
    "universal_client": THS, "ths": THS, "gj_client": THS, "gf_client": THS, "htzq_client": THS,
    "ht_client": HT, "wk_client": HT,
    "yh_client": YH,
})

MAP_SIDE: Mapping[str, Side] = MappingProxyType({
    "买入": Side.BUY, "证券买入": Side.BUY, "买": Side.BUY, "担保品买入": Side.BUY,
    "卖出": Side.SELL, "证券卖出": Side.SELL, "卖": Side.SELL, "担保品卖出": Side.SELL,
})

MAP_ENTRUST_STATUS: Mapping[str, OrderStatus] = MappingProxyType({
    "未报": OrderStatus.SUBMITTED, "待报": OrderStatus.SUBMITTED, "正报": OrderStatus.SUBMITTED,
    "已报": OrderStatus.ACCEPTED, "已确认": OrderStatus.ACCEPTED,
    "部成": OrderStatus.PARTIALLY_FILLED, "部分成交": OrderStatus.PARTIALLY_FILLED,
    "已成": OrderStatus.FILLED, "全部成交": OrderStatus.FILLED, "已成交": OrderStatus.FILLED,
    "已报待撤": OrderStatus.PENDING_CANCEL, "部成待撤": OrderStatus.PENDING_CANCEL, "待撤": OrderStatus.PENDING_CANCEL,
    "已撤": OrderStatus.CANCELED, "部撤": OrderStatus.CANCELED, "场内撤单": OrderStatus.CANCELED,
    "场外撤单": OrderStatus.CANCELED, "全部撤单": OrderStatus.CANCELED,
    "废单": OrderStatus.REJECTED, "无效": OrderStatus.REJECTED,
})


@dataclass(frozen=True, slots=True)
class Funds:
    """The account's money in CNY: cash balance, what is available to trade, and total assets."""

    cash: Decimal
    available: Decimal
    total_assets: Decimal


@dataclass(frozen=True, slots=True)
class Holding:
    """One position: `total` shares held, of which `available` can be sold today (T+1 rule)."""

    symbol: str
    name: str
    total: Decimal
    available: Decimal
    avg_cost: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class Entrust:
    """One row of today's entrusts (委托)."""

    entrust_no: str
    symbol: str
    side: Side
    quantity: Decimal
    filled: Decimal
    price: Decimal
    status: OrderStatus
    status_text: str
    time_text: str


@dataclass(frozen=True, slots=True)
class Trade:
    """One row of today's trades (成交); `trade_no` is unique within the trading day."""

    trade_no: str
    entrust_no: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    time_text: str


def columns_for(client_type: str) -> ColumnTable:
    """Return the column table of a client type; raise ValueError listing the known types."""
    table = CLIENT_COLUMNS.get(client_type)
    if table is None:
        raise ValueError(f"no column table for easytrader client {client_type!r}; known: {', '.join(CLIENT_COLUMNS)}")
    return table


def parse_funds(raw: object, table: ColumnTable) -> Funds:
    """Return the funds from /balance (a dict, or a one-row grid for clients such as yh_client)."""
    row: object = raw
    if isinstance(raw, list):
        rows = [r for r in raw if isinstance(r, Mapping)]
        yuan = [r for r in rows if str(r.get("币种", "")) in ("人民币", "0", "RMB", "CNY")]
        row = (yuan or rows or [{}])[0]
    if not isinstance(row, Mapping):
        raise BrokerError(f"The easytrader server sent an unreadable balance ({type(raw).__name__}); "
                          "check the client type in the connection panel.")
    return Funds(
        cash=_number(row, table.cash, "balance"),
        available=_number(row, table.available_cash, "balance"),
        total_assets=_number(row, table.total_assets, "balance"),
    )


def parse_holdings(rows: object, table: ColumnTable) -> list[Holding]:
    """Return the positions from /position, skipping rows with no shares."""
    holdings = []
    for row in _rows(rows, "position"):
        total = _number(row, table.position_total, "position")
        if total == 0:
            continue
        holdings.append(Holding(
            symbol=_code(row, table.position_symbol, "position"),
            name=str(row.get(table.position_name, "")),
            total=total,
            available=_number(row, table.position_available, "position"),
            avg_cost=_number(row, table.position_cost, "position"),
            price=_number(row, table.position_price, "position"),
        ))
    return holdings


def parse_entrusts(rows: object, table: ColumnTable) -> list[Entrust]:
    """Return today's entrusts from /today_entrusts."""
    entrusts = []
    for row in _rows(rows, "today_entrusts"):
        status_text = str(row.get(table.entrust_status, "")).strip()
        entrusts.append(Entrust(
            entrust_no=_text(row, table.entrust_no, "today_entrusts"),
            symbol=_code(row, table.entrust_symbol, "today_entrusts"),
            side=_side(row, table.entrust_side, "today_entrusts"),
            quantity=_number(row, table.entrust_quantity, "today_entrusts"),
            filled=_number(row, table.entrust_filled, "today_entrusts"),
            price=_number(row, table.entrust_price, "today_entrusts"),
            status=entrust_status(status_text),
            status_text=status_text,
            time_text=str(row.get(table.entrust_time, "")),
        ))
    return entrusts


def parse_trades(rows: object, table: ColumnTable) -> list[Trade]:
    """Return today's trades from /today_trades."""
    return [
        Trade(
            trade_no=_text(row, table.trade_no, "today_trades"),
            entrust_no=_text(row, table.trade_entrust_no, "today_trades"),
            symbol=_code(row, table.trade_symbol, "today_trades"),
            side=_side(row, table.trade_side, "today_trades"),
            quantity=_number(row, table.trade_quantity, "today_trades"),
            price=_number(row, table.trade_price, "today_trades"),
            time_text=str(row.get(table.trade_time, "")),
        )
        for row in _rows(rows, "today_trades")
    ]


def entrust_status(text: str) -> OrderStatus:
    """Map an entrust status text (备注/状态说明) to an OrderStatus; an unknown text counts as working."""
    status = MAP_ENTRUST_STATUS.get(text.strip())
    if status is not None:
        return status
    if "撤" in text:
        return OrderStatus.PENDING_CANCEL if "待" in text else OrderStatus.CANCELED
    if "废" in text or "拒" in text:
        return OrderStatus.REJECTED
    return OrderStatus.ACCEPTED


def trade_id(day: date, trade_no: str) -> str:
    """Return a trade id unique across days (brokers restart 成交编号 every trading day)."""
    return f"{day:%Y%m%d}-{trade_no}"


def china_today(now: datetime) -> date:
    """Return the Chinese trading date of an aware datetime."""
    return now.astimezone(CHINA).date()


def trade_time(day: date, text: str, fallback: datetime) -> datetime:
    """Return a grid time such as '14:57:13' (or '145713') on day in China time, as UTC; fallback if unreadable."""
    digits = re.sub(r"\D", "", text)[-6:]
    if len(digits) != 6:
        return fallback
    try:
        clock = time(int(digits[:2]), int(digits[2:4]), int(digits[4:]))
    except ValueError:
        return fallback
    return datetime.combine(day, clock, CHINA).astimezone(UTC)


def venue_of(symbol: str) -> str:
    """Return the exchange of an A-share code: SSE for 6xxxxx/9xxxxx, BSE for 4/8xxxxx, else SZSE."""
    if symbol[:1] in ("6", "9", "5"):
        return "SSE"
    if symbol[:1] in ("4", "8"):
        return "BSE"
    return "SZSE"


def instrument_for(symbol: str, name: str = "") -> Instrument:
    """Return the A-share instrument of a six-digit code: CNY, tick 0.01, lots of 100; ValueError otherwise."""
    if not is_a_share_code(symbol):
        raise ValueError(f"{symbol!r} is not a six-digit A-share code such as 600000")
    return Instrument(symbol=symbol, venue=venue_of(symbol), currency=CURRENCY, tick_size=TICK, lot_size=LOT,
                      asset_class=AssetClass.STOCK, name=name)


def is_a_share_code(symbol: str) -> bool:
    return len(symbol) == 6 and symbol.isdigit()


def entrust_no_of(response: object) -> str | None:
    """Return the entrust number from a /buy or /sell answer.

    None when the answer is a success without a number: the broker client's confirmation dialog was late
    (easytrader issues 275, 348, 457), so the order may or may not be placed. Raise BrokerError for an answer
    that is not an easytrader order answer at all.
    """
    if isinstance(response, Mapping):
        value = response.get("entrust_no")
        if value is not None and str(value).strip():
            return str(value).strip()
        if value is None and response:
            return None
    raise BrokerError(f"The easytrader server answered the order without an entrust number ({response!r}); "
                      "check the broker client's today's entrusts before sending again.")


def cancel_refusal(response: object) -> str | None:
    """Return the broker's reason if a /cancel_entrust answer says the entrust could not be canceled."""
    message = str(response.get("message", "")) if isinstance(response, Mapping) else ""
    if NOT_CANCELABLE in message or "不能撤单" in message or "撤单失败" in message:
        return ("The broker client says the order can no longer be canceled: it was probably filled or "
                f"canceled already ({message}).")
    return None


_ERROR_SHAPE = re.compile(r"^<class '(?P<cls>[\w.]+)'>: ?(?P<msg>.*)$", re.DOTALL)


def split_error(text: str) -> tuple[str, str]:
    """Split easytrader's "<class 'pkg.Exc'>: msg" error text into (class name, message)."""
    match = _ERROR_SHAPE.match(text.strip())
    if match is None:
        return "", text.strip()
    return match.group("cls").rsplit(".", 1)[-1], match.group("msg").strip()


def translate_error(text: str, action: str, symbol: str = "") -> BrokerError:
    """Turn the server's error text into a BrokerError whose message a trader understands."""
    cls, msg = split_error(text)
    subject = f" {symbol}" if symbol else ""
    if cls == "KeyError" and "user" in msg:
        return ConnectionLost("The easytrader server is not logged in to the broker client (no prepare yet, or "
                              "it was restarted): press Prepare in the connection panel.")
    if cls == "NotImplementedError":
        return AuthenticationFailed("The easytrader server does not know this client type: pick the client "
                                    "your broker uses in the connection panel.")
    if action == "prepare":
        return AuthenticationFailed(f"The broker client did not log in ({msg or cls}): check the user, password, "
                                    "communication password and the client's path, and that the client is "
                                    "installed on the Windows machine.")
    return _order_error(msg or cls, subject) if action in ("buy", "sell") else BrokerError(
        f"The easytrader server could not {action}{subject}: {msg or cls}.")


def _order_error(msg: str, subject: str) -> BrokerError:
    if any(k in msg for k in ("可用股份不足", "股份不足", "可卖数量不足", "可用数量不足", "超出可卖")):
        return OrderRejected(
            f"Not enough sellable shares of{subject}: A-shares bought today can only be sold from the next trading "
            f"day (T+1), and shares in working sell orders are frozen. The broker said: {msg}")
    if any(k in msg for k in ("资金不足", "可用金额不足", "可用资金不足")):
        return InsufficientFunds(f"Not enough available cash to buy{subject}. The broker said: {msg}")
    if "涨跌停" in msg or "涨停" in msg or "跌停" in msg or "价格超" in msg:
        return OrderRejected(f"The price of{subject} is outside today's price limits (usually ±10% of the previous "
                             f"close): pick a price inside them. The broker said: {msg}")
    if "整数倍" in msg or ("数量" in msg and ("100" in msg or "手" in msg)):
        return OrderRejected(f"The quantity of{subject} must be whole lots of 100 shares (an odd lot can only be "
                             f"sold all at once). The broker said: {msg}")
    if "代码" in msg or "证券不存在" in msg:
        return InvalidInstrument(f"The broker does not know{subject}: check the six-digit code. The broker said: "
                                 f"{msg}")
    if "交易时间" in msg or "休市" in msg or "闭市" in msg or "时间段" in msg:
        return MarketClosed(f"The market is closed for{subject} now. The broker said: {msg}")
    return OrderRejected(f"The broker refused the order for{subject}: {msg}")


def _rows(raw: object, what: str) -> list[Mapping[str, object]]:
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        raise BrokerError(f"The easytrader server sent an unreadable {what} grid ({type(raw).__name__}); "
                          "check the client type in the connection panel.")
    return list(raw)


def _missing(row: Mapping[str, object], column: str, what: str) -> BrokerError:
    return BrokerError(f"The {what} grid has no column {column} (it has: {', '.join(map(str, row))}): the client "
                       "type chosen in the connection panel does not match the broker client.")


def _text(row: Mapping[str, object], column: str, what: str) -> str:
    if column not in row:
        raise _missing(row, column, what)
    return str(row[column]).strip()


def _code(row: Mapping[str, object], column: str, what: str) -> str:
    text = _text(row, column, what)
    return text.zfill(6) if text.isdigit() and len(text) < 6 else text


def _side(row: Mapping[str, object], column: str, what: str) -> Side:
    text = _text(row, column, what)
    side = MAP_SIDE.get(text)
    if side is None:
        side = Side.BUY if "买" in text else Side.SELL if "卖" in text else None
    if side is None:
        raise BrokerError(f"The {what} grid has an operation {text!r} that is neither a buy nor a sell.")
    return side


def _number(row: Mapping[str, object], column: str, what: str) -> Decimal:
    if column not in row:
        raise _missing(row, column, what)
    raw = row[column]
    text = str(raw).strip().replace(",", "").rstrip("%") if raw is not None else ""
    if text in ("", "-", "--"):
        return Decimal(0)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise BrokerError(f"The {what} grid has {raw!r} in column {column}, which is not a number.") from None
