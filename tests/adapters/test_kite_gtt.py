"""Kite GTT: the simulator answers kiteconnect's place_gtt/get_gtt(s)/modify_gtt/delete_gtt as Kite does and fires
GTTs from its prices; TradingSession.protect_position puts a delivery holding's stop-loss and target there."""

from __future__ import annotations

import asyncio
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pytest
from kiteconnect import KiteConnect
from kiteconnect import exceptions as kite_errors

from core.domain import OrderRequest, OrderStatus, OrderType, Quote, Side
from core.services.broker_protection import PROTECT_AUDIT
from core.services.refusals import OrderRefused
from tests.adapters.test_kite_realism import session_on
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_fixture

sim = sim_fixture()
TICK = Decimal("0.05")


def raw_client(sim: KiteSimulator) -> Any:
    return KiteConnect(sim.api_key, access_token=sim.issue_access_token(), root=sim.root)


def last(sim: KiteSimulator, symbol: str = "INFY") -> Decimal:
    price = sim.exchange.market.quote(symbol).last
    assert price is not None
    return price


def sell_legs(quantity: int, *prices: Decimal) -> list[dict[str, Any]]:
    return [{"transaction_type": "SELL", "quantity": quantity, "order_type": "LIMIT", "product": "CNC",
             "price": float(p)} for p in prices]


async def test_kite_keeps_lists_changes_and_deletes_a_two_leg_gtt(sim: KiteSimulator) -> None:
    kite, ltp = raw_client(sim), last(sim)
    low, high = ltp - 50, ltp + 50
    placed = await asyncio.to_thread(kite.place_gtt, "two-leg", "INFY", "NSE", [float(low), float(high)],
                                     float(ltp), sell_legs(5, low, high))
    trigger_id = placed["trigger_id"]
    record = await asyncio.to_thread(kite.get_gtt, trigger_id)
    assert (record["id"], record["type"], record["status"]) == (trigger_id, "two-leg", "active")
    assert record["condition"]["trigger_values"] == [float(low), float(high)]
    assert record["condition"]["instrument_token"] and record["orders"][0]["result"] is None
    assert [g["id"] for g in await asyncio.to_thread(kite.get_gtts)] == [trigger_id]
    changed = await asyncio.to_thread(kite.modify_gtt, trigger_id, "two-leg", "INFY", "NSE",
                                      [float(low - 10), float(high)], float(ltp), sell_legs(5, low - 10, high))
    assert changed == {"trigger_id": trigger_id}
    assert (await asyncio.to_thread(kite.get_gtt, trigger_id))["condition"]["trigger_values"][0] == float(low - 10)
    assert await asyncio.to_thread(kite.delete_gtt, trigger_id) == {"trigger_id": trigger_id}
    with pytest.raises(kite_errors.InputException, match="Invalid trigger ID"):
        await asyncio.to_thread(kite.get_gtt, trigger_id)


async def test_kite_refuses_a_gtt_too_close_to_the_price_or_with_its_legs_the_wrong_way(sim: KiteSimulator) -> None:
    kite, ltp = raw_client(sim), last(sim)
    with pytest.raises(kite_errors.InputException, match="too close to the last price"):
        await asyncio.to_thread(kite.place_gtt, "single", "INFY", "NSE", [float(ltp - TICK)], float(ltp),
                                sell_legs(5, ltp - TICK))
    with pytest.raises(kite_errors.InputException, match="lower trigger must be below"):
        await asyncio.to_thread(kite.place_gtt, "two-leg", "INFY", "NSE", [float(ltp + 50), float(ltp + 60)],
                                float(ltp), sell_legs(5, ltp + 50, ltp + 60))
    with pytest.raises(kite_errors.InputException, match="OCO order type"):  # kiteconnect's own check
        await asyncio.to_thread(kite.place_gtt, "two-leg", "INFY", "NSE", [float(ltp - 50)], float(ltp),
                                sell_legs(5, ltp - 50))
    assert await asyncio.to_thread(kite.get_gtts) == []


async def test_a_protected_delivery_holding_is_sold_by_kite_when_the_price_falls_to_the_stop(
    sim: KiteSimulator, tmp_path: Path
) -> None:
    session, adapter = await session_on(sim, tmp_path)
    try:
        ask = sim.exchange.market.quote("INFY").ask
        assert ask is not None
        bought = await session.submit(OrderRequest(adapter.account_id, "INFY", Side.BUY, "5", OrderType.LIMIT,
                                                   str(ask + 1)))
        for _ in range(300):
            if bought.status is OrderStatus.FILLED:
                break
            await asyncio.sleep(0.01)
        assert bought.status is OrderStatus.FILLED
        ltp = last(sim)
        session.bus.publish(sim.exchange.market.quote("INFY"))
        stop, target = ltp - 30, ltp + 40
        trigger_id = await session.protect_position(adapter.account_id, "INFY", str(stop), str(target))

        (gtt,) = sim.exchange.gtts.listed()
        assert (str(gtt["id"]), gtt["type"], gtt["status"]) == (trigger_id, "two-leg", "active")
        assert gtt["condition"]["trigger_values"] == [float(stop), float(target)]
        stop_limit = (stop * Decimal("0.99") / TICK).to_integral_value(ROUND_FLOOR) * TICK
        assert [(o["transaction_type"], o["quantity"], o["product"], o["order_type"], o["price"])
                for o in gtt["orders"]] == [("SELL", 5, "CNC", "LIMIT", float(stop_limit)),
                                            ("SELL", 5, "CNC", "LIMIT", float(target))]
        (entry,) = session.journal.audit_entries([PROTECT_AUDIT])
        assert trigger_id in entry.detail and str(stop) in entry.detail
        listed = await adapter.protections()
        assert [(p.protection_id, p.stop_loss, p.take_profit, p.status) for p in listed] == [
            (trigger_id, stop, target, "active")]

        sim.exchange.gtts.check(Quote("INFY", last=stop - TICK))  # the market prints through the stop
        fired = sim.exchange.gtts.get(int(trigger_id))
        assert fired["status"] == "triggered"
        result = fired["orders"][0]["result"]
        assert result["order_result"]["status"] == "success" and fired["orders"][1]["result"] is None
        sold = sim.exchange.orders[result["order_result"]["order_id"]].order
        assert (sold["transaction_type"], sold["quantity"], sold["product"]) == ("SELL", 5, "CNC")
        assert sold["status"] == "COMPLETE", "the stop's limit sits below the trigger: it fills in the fall"
        await session.disconnect(adapter.account_id)
        report = await session.connect(adapter.account_id)  # the next reconcile books Kite's sale of the holding
        position = session.portfolio.position(adapter.account_id, "INFY")
        assert report.ok and (position is None or position.quantity == 0)
    finally:
        await session.close()
        await adapter.disconnect()
        session.journal.close()


async def test_protecting_a_holding_the_account_lacks_asks_nothing_of_kite(sim: KiteSimulator, tmp_path: Path) -> None:
    session, adapter = await session_on(sim, tmp_path)
    try:
        with pytest.raises(OrderRefused, match="holds no TCS"):
            await session.protect_position(adapter.account_id, "TCS", "3000", None)
        assert sim.exchange.gtts.listed() == []
    finally:
        await session.close()
        await adapter.disconnect()
        session.journal.close()
