"""TradeTermOrderBroker: a hikyuu order broker that posts to TradeTerm (imports nothing from hikyuu).

    broker = TradeTermOrderBroker(url, token, account="PAPER-1")   # token: the strategy's own, from TradeTerm
    tm.reg_broker(crtOB(broker, "tradeterm"))        # keep `broker` referenced
    ...
    broker.status()                                  # orders, and every refused or failed post

hikyuu calls `buy/sell(market, code, price, num, stoploss, goal_price, part_from, remark)` (signal
time = now) through crtOB, or `_buy/_sell(datetime, ...)` on a subclass of OrderBrokerBase.
hikyuu catches a broker's exception and books the trade anyway, so every refusal is also logged
here and kept in `status()["failures"]`; `get_last_error()` returns the latest.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Any

from core.strategy_client.client import DEFAULT_URL, ApiRefused, ApiUnavailable, TradeTermClient

log = logging.getLogger("tradeterm.hikyuu")


def _as_datetime(value: object) -> datetime:
    """Return an aware datetime from a Python datetime, a hikyuu Datetime or its text (naive: local time)."""
    if isinstance(value, datetime):
        stamp = value
    elif callable(getattr(value, "datetime", None)):
        stamp = value.datetime()  # type: ignore[attr-defined]  # hikyuu.Datetime.datetime()
    else:
        stamp = datetime.fromisoformat(str(value))
    return stamp if stamp.tzinfo is not None else stamp.astimezone()


def _number(value: object) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _on_tick(value: object, tick: Decimal) -> Decimal:
    """Return a hikyuu price on the instrument's tick: TradeTerm takes at most 10 decimals, and prices on a tick."""
    return (_number(value) / tick).quantize(Decimal(1), ROUND_HALF_EVEN) * tick


class TradeTermOrderBroker:
    """Queue hikyuu's orders in TradeTerm for approval; report TradeTerm's cash and positions back.

    The token (the strategy's own, made in TradeTerm's Strategy API panel) fixes the strategy; `strategy`,
    if given, is checked against it. `product` ("CNC", "MIS" or "NRML", a Kite account only) goes with every
    order; None: the account's default.
    """

    def __init__(self, url: str = DEFAULT_URL, token: str | None = None, *, strategy: str | None = None,
                 account: str = "PAPER-1", order_type: str = "LMT", client: TradeTermClient | None = None,
                 product: str | None = None) -> None:
        self.client = client or TradeTermClient(url, token, strategy=strategy, account=account)
        self.account = account
        self.order_type = order_type
        self.product = product
        self._instruments: dict[str, dict[str, Any]] | None = None
        self._last_error = ""

    # --- hikyuu's interface ---------------------------------------------------------------------

    def buy(self, market: str, code: str, price: float, num: float, stoploss: float, goal_price: float,
            part_from: object, remark: str = "") -> str:
        """Queue a buy; hikyuu's crtOB path (no datetime: the signal time is now)."""
        return self._post("BUY", None, market, code, price, num, stoploss, goal_price, part_from, remark)

    def sell(self, market: str, code: str, price: float, num: float, stoploss: float, goal_price: float,
             part_from: object, remark: str = "") -> str:
        """Queue a sell; hikyuu's crtOB path (no datetime: the signal time is now)."""
        return self._post("SELL", None, market, code, price, num, stoploss, goal_price, part_from, remark)

    def _buy(self, datetime: object, market: str, code: str, price: float, num: float, stoploss: float,
             goal_price: float, part_from: object, remark: str = "") -> str:
        """Queue a buy stamped with hikyuu's trade datetime (OrderBrokerBase subclasses)."""
        return self._post("BUY", datetime, market, code, price, num, stoploss, goal_price, part_from, remark)

    def _sell(self, datetime: object, market: str, code: str, price: float, num: float, stoploss: float,
              goal_price: float, part_from: object, remark: str = "") -> str:
        """Queue a sell stamped with hikyuu's trade datetime (OrderBrokerBase subclasses)."""
        return self._post("SELL", datetime, market, code, price, num, stoploss, goal_price, part_from, remark)

    def get_asset_info(self) -> dict[str, Any]:
        """Return TradeTerm's cash and positions as hikyuu reads them (datetime with a space, floats)."""
        try:
            info = self.client.account_info(self.account)
        except (ApiRefused, ApiUnavailable) as exc:
            self._fail("get_asset_info", None, exc)
            raise
        return {
            "datetime": info["datetime"],
            "cash": float(info["cash"]),
            "positions": [
                {"market": p["market"], "code": p["code"], "number": float(p["number"]),
                 "stoploss": float(p["stoploss"]), "goal_price": float(p["goal_price"]),
                 "cost_price": float(p["cost_price"])}
                for p in info["positions"]
            ],
        }

    def get_last_error(self) -> str:
        return self._last_error

    def status(self) -> dict[str, Any]:
        """Return this strategy's orders in TradeTerm and every post TradeTerm refused or never received."""
        return self.client.status()

    # --- internals ------------------------------------------------------------------------------

    def _instrument(self, code: str) -> dict[str, Any] | None:
        if self._instruments is None:
            self._instruments = {i["symbol"]: i for i in self.client.instruments(self.account)}  # its own listing
        return self._instruments.get(code)

    def _post(self, side: str, when: object, market: str, code: str, price: float, num: float, stoploss: float,
              goal_price: float, part_from: object, remark: str) -> str:
        action = f"{side.lower()} {market}{code}"
        try:
            instrument = self._instrument(str(code))
            if instrument is None:
                raise ApiRefused(400, "invalid_field", f"TradeTerm does not list {market}{code}.", "symbol")
            tick, lot = Decimal(instrument["tick_size"]), Decimal(instrument["lot_size"])
            limit = _on_tick(price, tick)
            stop_loss = _on_tick(stoploss, tick) if stoploss else None  # a float like 189.5 * 0.95 has 14 decimals
            take_profit = _on_tick(goal_price, tick) if goal_price else None
            quantity = (_number(num) / lot).quantize(Decimal(1), ROUND_DOWN) * lot
            signal_time = datetime.now(UTC) if when is None else _as_datetime(when)
        except (ApiRefused, ApiUnavailable, ArithmeticError, ValueError, KeyError) as exc:
            self._fail(action, {"side": side, "market": market, "code": code, "price": price, "num": num}, exc)
            raise
        notes = " ".join(x for x in (f"hikyuu {market}{code}", str(part_from), remark or "") if x)
        try:
            result = self.client.submit(  # records its own refusals in client.failures
                str(code), side, quantity, self.order_type,
                limit_price=limit if self.order_type in ("LMT", "STP_LMT") else None,
                signal_time=signal_time, idempotency_key=f"hku-{uuid.uuid4().hex}", account=self.account,
                stop_loss=stop_loss, take_profit=take_profit,
                signal_price=limit, remark="".join(c for c in notes if c.isprintable())[:256], product=self.product,
            )
        except (ApiRefused, ApiUnavailable) as exc:
            self._fail(action, None, exc)
            raise
        self._last_error = ""
        return str(result["client_order_id"])

    def _fail(self, action: str, body: dict[str, Any] | None, exc: Exception) -> None:
        """Make a refusal visible: the log, get_last_error(), and (if the client has not) status()["failures"]."""
        self._last_error = f"{action}: {exc}"
        log.error("TradeTerm refused or missed %s: %s (hikyuu books it anyway; check TradeTerm)", action, exc)
        if body is not None:
            self.client.failures.append({"time": datetime.now(UTC).isoformat(), "action": action,
                                         "error": str(exc), "request": body})
