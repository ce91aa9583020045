"""The grids a broker client shows, as easytrader's server returns them, for three client families.

- "ths": 同花顺 网上股票交易系统5.0 (easytrader's ths, universal_client, gj_client, gf_client, htzq_client).
  /balance is a dict (资金余额, 可用金额, 可取金额, 股票市值, 总资产; universal_client has no 股票市值);
  position 股票余额/可用余额/成本价/市价; entrusts 操作/备注/合同编号; trades 成交均价/成交编号; times 14:57:13.
- "ht": 华泰 (ht_client, wk_client). /balance adds 冻结资金; position 股份余额/股份可用/参考成本价/参考市价;
  entrusts and trades use 买卖标志 (买入/卖出), trades 成交价格.
- "yh": 银河双子星 (yh_client). /balance is a one-row grid (a list) with 币种, 可用资金, 可取资金, 参考市值;
  position 实际数量/可用数量/成本价/当前价; entrusts 买卖标志 (证券买入/证券卖出), 状态说明; times 145713.
Numbers are JSON numbers (floats, as pandas hands them to Flask); codes and numbers of entrusts are strings.
"""

from __future__ import annotations

from decimal import Decimal

from core.domain import Side
from tests.sims.easytrader.exchange import LISTINGS, SimExchange, SimOrder, SimTrade

FAMILIES = {
    "ths": "ths", "universal_client": "ths", "gj_client": "ths", "gf_client": "ths", "htzq_client": "ths",
    "ht_client": "ht", "wk_client": "ht",
    "yh_client": "yh",
}
SHAREHOLDER = {"SSE": "A123456789", "SZSE": "0123456789"}
MARKET = {"SSE": "沪A", "SZSE": "深A"}


def _f(value: Decimal) -> float:
    return float(value)


class GridRenderer:
    """Render the exchange's books as one client family's grids."""

    def __init__(self, broker: str, exchange: SimExchange) -> None:
        family = FAMILIES.get(broker.lower())
        if family is None:
            raise NotImplementedError(broker)
        self.broker = broker.lower()
        self.family = family
        self.exchange = exchange

    def balance(self) -> dict[str, object] | list[dict[str, object]]:
        ex = self.exchange
        value = sum((ex.market.quote(s).last or Decimal(0)) * h.total for s, h in ex.holdings.items())
        cash, free = ex.cash, ex.cash - ex.frozen_cash
        total = cash + value
        if self.family == "yh":
            return [{"币种": "人民币", "资金余额": _f(cash), "可用资金": _f(free), "可取资金": _f(free),
                     "参考市值": _f(value), "总资产": _f(total)}]
        row: dict[str, object] = {"资金余额": _f(cash), "可用金额": _f(free), "可取金额": _f(free),
                                  "股票市值": _f(value), "总资产": _f(total)}
        if self.family == "ht":
            rest = {k: v for k, v in row.items() if k != "资金余额"}
            row = {"资金余额": _f(cash), "冻结资金": _f(ex.frozen_cash), **rest}
        if self.broker == "universal_client":
            row.pop("股票市值")
        return row

    def position(self) -> list[dict[str, object]]:
        rows = []
        for symbol, h in self.exchange.holdings.items():
            if h.total == 0:
                continue
            name, venue, _ = LISTINGS[symbol]
            price = self.exchange.market.quote(symbol).last or Decimal(0)
            pnl = (price - h.cost) * h.total
            if self.family == "ths":
                rows.append({"证券代码": symbol, "证券名称": name, "股票余额": h.total, "可用余额": h.available,
                             "冻结数量": h.frozen, "成本价": _f(h.cost), "市价": _f(price), "盈亏": _f(pnl),
                             "盈亏比例(%)": _f(_pct(price, h.cost)), "市值": _f(price * h.total),
                             "交易市场": MARKET[venue], "股东帐户": SHAREHOLDER[venue]})
            elif self.family == "ht":
                rows.append({"证券代码": symbol, "证券名称": name, "股份余额": h.total, "股份可用": h.available,
                             "冻结数量": h.frozen, "参考成本价": _f(h.cost), "参考市价": _f(price),
                             "参考市值": _f(price * h.total), "参考盈亏": _f(pnl),
                             "盈亏比例(%)": f"{_pct(price, h.cost)}%", "交易市场": MARKET[venue],
                             "股东代码": SHAREHOLDER[venue]})
            else:
                rows.append({"证券代码": symbol, "证券名称": name, "实际数量": h.total, "可用数量": h.available,
                             "冻结数量": h.frozen, "成本价": _f(h.cost), "当前价": _f(price),
                             "最新市值": _f(price * h.total), "浮动盈亏": _f(pnl), "交易所名称": "上海A股"
                             if venue == "SSE" else "深圳A股", "股东代码": SHAREHOLDER[venue]})
        return rows

    def today_entrusts(self) -> list[dict[str, object]]:
        return [self._entrust(o) for o in self.exchange.orders]

    def cancel_entrusts(self) -> list[dict[str, object]]:
        return [self._entrust(o) for o in self.exchange.orders if o.working]

    def today_trades(self) -> list[dict[str, object]]:
        return [self._trade(t) for t in self.exchange.trades]

    def _entrust(self, o: SimOrder) -> dict[str, object]:
        name, venue, _ = LISTINGS[o.symbol]
        if self.family == "ths":
            return {"委托时间": o.time.strftime("%H:%M:%S"), "证券代码": o.symbol, "证券名称": name,
                    "操作": _side(o.side, False), "备注": o.status, "委托数量": o.quantity, "成交数量": o.filled,
                    "委托价格": _f(o.price), "成交均价": _f(o.avg_price), "撤消数量": o.canceled,
                    "合同编号": o.entrust_no, "交易市场": MARKET[venue], "股东帐户": SHAREHOLDER[venue]}
        if self.family == "ht":
            return {"委托时间": o.time.strftime("%H:%M:%S"), "证券代码": o.symbol, "证券名称": name,
                    "买卖标志": _side(o.side, False), "委托价格": _f(o.price), "委托数量": o.quantity,
                    "成交均价": _f(o.avg_price), "成交数量": o.filled, "撤消数量": o.canceled,
                    "合同编号": o.entrust_no, "备注": o.status, "交易市场": MARKET[venue],
                    "股东代码": SHAREHOLDER[venue]}
        return {"委托时间": o.time.strftime("%H%M%S"), "证券代码": o.symbol, "证券名称": name,
                "买卖标志": _side(o.side, True), "委托价格": _f(o.price), "委托数量": o.quantity,
                "成交价格": _f(o.avg_price), "成交数量": o.filled, "合同编号": o.entrust_no,
                "状态说明": o.status, "交易所名称": "上海A股" if venue == "SSE" else "深圳A股",
                "股东代码": SHAREHOLDER[venue]}

    def _trade(self, t: SimTrade) -> dict[str, object]:
        name, venue, _ = LISTINGS[t.symbol]
        amount = _f(t.price * t.quantity)
        if self.family == "ths":
            return {"成交时间": t.time.strftime("%H:%M:%S"), "证券代码": t.symbol, "证券名称": name,
                    "操作": _side(t.side, False), "成交数量": t.quantity, "成交均价": _f(t.price), "成交金额": amount,
                    "合同编号": t.entrust_no, "成交编号": t.trade_no, "股东帐户": SHAREHOLDER[venue],
                    "交易市场": MARKET[venue]}
        if self.family == "ht":
            return {"成交时间": t.time.strftime("%H:%M:%S"), "证券代码": t.symbol, "证券名称": name,
                    "买卖标志": _side(t.side, False), "成交价格": _f(t.price), "成交数量": t.quantity,
                    "成交金额": amount, "合同编号": t.entrust_no, "成交编号": t.trade_no,
                    "股东代码": SHAREHOLDER[venue], "交易市场": MARKET[venue]}
        return {"成交时间": t.time.strftime("%H%M%S"), "证券代码": t.symbol, "证券名称": name,
                "买卖标志": _side(t.side, True), "成交价格": _f(t.price), "成交数量": t.quantity, "成交金额": amount,
                "合同编号": t.entrust_no, "成交编号": t.trade_no, "股东代码": SHAREHOLDER[venue]}


def _side(side: Side, long_form: bool) -> str:
    text = "买入" if side is Side.BUY else "卖出"
    return f"证券{text}" if long_form else text


def _pct(price: Decimal, cost: Decimal) -> Decimal:
    return ((price - cost) / cost * 100).quantize(Decimal("0.01")) if cost else Decimal(0)
