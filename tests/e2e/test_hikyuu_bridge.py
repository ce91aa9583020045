"""hikyuu -> bridge -> API -> approval queue -> paper fill -> get_asset_info, with a double of hikyuu's wrapper.

hikyuu does not install on Debian 12 x86_64 (see ../shared/reference/hikyuu-broker.md), so
OrderBrokerWrapDouble calls the bridge exactly as OrderBrokerWrap does: 8 positional arguments,
float price and number, a SystemPart enum, remark '' — and it swallows the broker's exceptions and
books the trade anyway, as hikyuu does. BrokerTradeManagerDouble reads get_asset_info as hikyuu's
fetch_asset_info_from_broker does.
"""

from __future__ import annotations

import asyncio
import enum
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from core.domain import OrderStatus
from core.domain.protection import HeldState, ProtectionLeg
from core.strategy_client import TradeTermOrderBroker
from tests.adapters.strategy_api_world import TOKENS, ApiWorld, api_fixture


class SystemPart(enum.Enum):
    """Stands in for hikyuu's SystemPart (its numeric values differ between versions)."""

    SIGNAL = 3
    STOPLOSS = 5


class OrderBrokerWrapDouble:
    """What crtOB(broker, name) gives a TradeManager: calls without a datetime, exceptions logged and swallowed."""

    def __init__(self, broker: Any) -> None:
        self._broker = broker
        self.booked: list[tuple[str, str, float, float]] = []
        self.last_error = ""

    def _call(self, name: str, *args: Any) -> None:
        try:
            getattr(self._broker, name)(*args)
        except Exception as exc:  # hikyuu logs it and books the trade regardless
            self.last_error = str(exc)
        self.booked.append((name, args[1], args[2], args[3]))

    def buy(self, market: str, code: str, price: float, num: float, stoploss: float, goal_price: float,
            part_from: SystemPart, remark: str = "") -> None:
        self._call("buy", market, code, price, num, stoploss, goal_price, part_from, remark)

    def sell(self, market: str, code: str, price: float, num: float, stoploss: float, goal_price: float,
             part_from: SystemPart, remark: str = "") -> None:
        self._call("sell", market, code, price, num, stoploss, goal_price, part_from, remark)


def fetch_asset_info_like_hikyuu(broker: Any) -> dict[str, Any] | None:
    """Parse get_asset_info as BrokerTradeManager does: dict or JSON text, 'YYYY-MM-DD HH:MM:SS[.f]' datetime."""
    info = broker.get_asset_info()
    document = json.loads(json.dumps(info) if isinstance(info, dict) else info)
    stamp = document.get("datetime")
    if stamp is not None:
        fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in stamp else "%Y-%m-%d %H:%M:%S"
        datetime.strptime(stamp, fmt)  # hikyuu's lexical cast: a 'T' here breaks the whole sync
    keys = ("market", "code", "number", "stoploss", "goal_price", "cost_price")
    positions = [p for p in document["positions"] if all(k in p for k in keys)]
    return {"cash": float(document["cash"]), "positions": positions}


api = api_fixture()


async def test_a_hikyuu_buy_is_queued_approved_filled_and_reported_back_in_hikyuus_format(api: ApiWorld) -> None:
    broker = TradeTermOrderBroker(api.server.url, TOKENS["hku-ma"], account="PAPER-1")
    wrap = OrderBrokerWrapDouble(broker)
    ask = api.world.ask("600519")
    await asyncio.to_thread(wrap.buy, "SH", "600519", float(ask), 200.0, float(ask) * 0.95, 0.0,
                            SystemPart.SIGNAL, "")
    assert wrap.last_error == ""
    (pending,) = api.world.queue.pending()
    order = pending.order
    assert order.symbol == "600519" and order.quantity.value == 200 and order.limit_price.value == ask
    assert order.status is OrderStatus.PENDING_APPROVAL and pending.signal.stop_loss is not None
    assert order.strategy_id == "hku-ma"  # the token fixes the strategy; the bridge names none

    before = await asyncio.to_thread(fetch_asset_info_like_hikyuu, broker)
    assert before is not None and before["positions"] == []

    outcome = await api.world.queue.approve(order.client_order_id)
    assert outcome.approved and order.status is OrderStatus.FILLED
    (held,) = api.world.session.protection.children()  # hikyuu's stoploss is a real (held) stop-loss now
    assert held.leg is ProtectionLeg.STOP_LOSS and held.state is HeldState.ARMED and held.quantity == 200
    assert held.trigger == pending.signal.stop_loss

    after = await asyncio.to_thread(fetch_asset_info_like_hikyuu, broker)
    assert after is not None
    (position,) = after["positions"]
    assert position["market"] == "SH" and position["code"] == "600519" and position["number"] == 200.0
    assert position["cost_price"] == float(ask) and position["stoploss"] == pytest.approx(float(ask) * 0.95, 0.01)
    assert isinstance(after["cash"], float) and after["cash"] < 5_000_000
    status = await asyncio.to_thread(broker.status)
    assert [o["status"] for o in status["orders"]] == ["FILLED"] and status["failures"] == []


async def test_a_refused_hikyuu_order_is_visible_although_hikyuu_books_it(api: ApiWorld) -> None:
    broker = TradeTermOrderBroker(api.server.url, TOKENS["hku-ma"], account="PAPER-1")
    wrap = OrderBrokerWrapDouble(broker)
    await asyncio.to_thread(wrap.sell, "SH", "600519", 1700.0, 5000.0, 0.0, 0.0, SystemPart.STOPLOSS, "")
    assert wrap.booked and "limit per order" in wrap.last_error  # hikyuu booked it anyway
    assert "limit per order" in broker.get_last_error()
    (failure,) = (await asyncio.to_thread(broker.status))["failures"]
    assert failure["status"] == 422 and failure["request"]["side"] == "SELL"
    assert api.world.queue.pending() == []


async def test_an_orderbrokerbase_subclass_replaying_history_is_refused_as_stale(api: ApiWorld) -> None:
    broker = TradeTermOrderBroker(api.server.url, TOKENS["hku-ma"], account="PAPER-1")
    yesterday = datetime.now() - timedelta(days=1)  # hikyuu's Datetime is local and naive
    with pytest.raises(Exception, match=r"stale|activated"):
        await asyncio.to_thread(broker._buy, yesterday, "SH", "600519", 1700.0, 100.0, 0.0, 0.0,
                                SystemPart.SIGNAL, "")
    assert api.world.session.oms.orders() == []
    now = datetime.now()
    await asyncio.to_thread(broker._buy, now, "SH", "600519", 1700.0, 100.0, 0.0, 0.0, SystemPart.SIGNAL, "")
    assert len(api.world.queue.pending()) == 1
