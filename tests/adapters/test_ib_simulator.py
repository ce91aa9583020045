"""The TWS simulator's wire format, checked with ib_async's own Decoder and client, version by version."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from ib_async import IB, LimitOrder, Stock
from ib_async.decoder import Decoder

from tests.sims.tws import TwsSimulator
from tests.sims.tws.market import DEFAULT_LISTINGS
from tests.sims.tws.messages import Encoder
from tests.sims.tws.orders import SimExecution, SimOrder
from tests.sims.tws.protocol import decode, encode, to_field
from tests.sims.tws.testing import no_decoder_errors

AAPL = DEFAULT_LISTINGS[0]
ES = DEFAULT_LISTINGS[-1]
ROOT = Path(__file__).resolve().parents[2]


# IB() looks up the event loop, so the decoder tests are coroutines: they run on pytest-asyncio's loop.


@pytest.fixture(autouse=True)
def decoder_guard() -> Iterator[None]:
    with no_decoder_errors():
        yield


def sim_order(status: str = "Submitted") -> SimOrder:
    return SimOrder(order_id=7, client_id=3, perm_id=1000042, listing=ES, action="SELL", quantity=Decimal(2),
                    order_type="STP LMT", limit_price=Decimal("5199.75"), aux_price=Decimal("5200.00"), tif="GTC",
                    account="DU1234567", order_ref="T261120153001ABCDEFG", status=status, filled=Decimal(1),
                    completed_status="Filled" if status == "Filled" else "")


def wire(fields: list[object]) -> list[str]:
    """Frame and unframe, exactly as the socket would."""
    return decode(encode([f for f in fields])[4:])  # type: ignore[misc]


def decoded(version: int, fields: list[str]) -> IB:
    """Run ib_async's Decoder on fields (call from a coroutine: IB() wants the running loop)."""
    ib = IB()
    ib.wrapper.clientId = 3
    Decoder(ib.wrapper, version).interpret(fields)
    return ib


@pytest.mark.parametrize("version", [157, 163, 166, 170, 176, 178])
async def test_open_order_decodes_at_every_version(version: int) -> None:
    fields = wire(Encoder(version).open_order(sim_order()))
    if version == 157:
        assert len(fields) == 120, "the reference layout at server version 157"
    (trade,) = decoded(version, fields).trades()
    order = trade.order
    assert (order.orderId, order.clientId, order.permId, order.orderRef) == (7, 3, 1000042, "T261120153001ABCDEFG")
    assert (order.orderType, order.lmtPrice, order.auxPrice, order.tif, order.totalQuantity) == (
        "STP LMT", 5199.75, 5200.0, "GTC", 2.0)
    assert trade.orderStatus.status == "Submitted" and trade.contract.localSymbol == "ESZ6"


@pytest.mark.parametrize("version", [157, 170, 176])
async def test_completed_order_decodes(version: int) -> None:
    ib = IB()
    ib.wrapper.startReq("completedOrders")
    Decoder(ib.wrapper, version).interpret(wire(Encoder(version).completed_order(sim_order("Filled"))))
    (trade,) = ib.wrapper._results["completedOrders"]
    order = trade.order
    assert (order.permId, order.orderRef, order.filledQuantity) == (1000042, "T261120153001ABCDEFG", 1)
    assert trade.orderStatus.status == "Filled"


@pytest.mark.parametrize("version", [157, 163, 164, 176])
async def test_contract_details_decode_with_tick_and_multiplier(version: int) -> None:
    ib = IB()
    ib.wrapper.startReq(5)
    Decoder(ib.wrapper, version).interpret(wire(Encoder(version).contract_details(5, ES)))
    (details,) = ib.wrapper._results[5]
    assert (details.contract.conId, details.minTick, details.contract.multiplier) == (495512563, 0.25, "50")
    assert (details.contract.lastTradeDateOrContractMonth, details.longName) == ("20261218", "E-mini S&P 500")


@pytest.mark.parametrize("version", [157, 166])
async def test_error_carries_the_advanced_reject_field_only_from_166(version: int) -> None:
    fields = wire(Encoder(version).error(7, 201, "Order rejected - reason:x"))
    assert len(fields) == (6 if version >= 166 else 5)
    seen: list[tuple[int, int, str]] = []
    ib = IB()
    ib.errorEvent += lambda req_id, code, text, contract: seen.append((req_id, code, text))
    Decoder(ib.wrapper, version).interpret(fields)
    assert seen == [(7, 201, "Order rejected - reason:x")]


@pytest.mark.parametrize("version", [157, 178])
async def test_exec_details_and_commission_decode(version: int) -> None:
    order = sim_order()
    execution = SimExecution("0000e0d5.000f426a.01.01", order, Decimal(1), Decimal("5199.75"),
                             datetime(2026, 11, 20, 15, 30, 1, tzinfo=UTC), Decimal(1), Decimal("5199.75"),
                             Decimal("2.25"))
    encoder = Encoder(version)
    fields = wire(encoder.exec_details(-1, execution))
    assert len(fields) == (31 if version < 178 else 32)
    ib = IB()
    Decoder(ib.wrapper, version).interpret(wire(encoder.open_order(order)))
    Decoder(ib.wrapper, version).interpret(fields)
    Decoder(ib.wrapper, version).interpret(wire(encoder.commission_report(execution)))
    (fill,) = ib.fills()
    assert fill.execution.time == datetime(2026, 11, 20, 15, 30, 1, tzinfo=UTC)
    assert (fill.execution.side, fill.execution.orderRef, fill.commissionReport.commission) == (
        "SLD", "T261120153001ABCDEFG", 2.25)


def test_fields_are_written_as_tws_writes_them() -> None:
    assert [to_field(v) for v in (True, False, None, Decimal("189.50"), Decimal("1E+2"), -1)] == [
        "1", "0", "", "189.5", "100", "-1"]


async def test_reused_order_id_gets_103_and_the_high_water_mark_survives_reconnects() -> None:
    sim = TwsSimulator()
    await sim.start()
    errors: list[int] = []
    ib = IB()
    ib.errorEvent += lambda req_id, code, text, contract: errors.append(code)
    try:
        await ib.connectAsync("127.0.0.1", sim.port, clientId=9, timeout=3)
        (contract,) = await ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD"))
        first = LimitOrder("BUY", 1, 100.0, orderRef="T1")
        first.orderId = 50
        ib.placeOrder(contract, first)
        await asyncio.sleep(0.1)
        ib.disconnect()
        await asyncio.sleep(0.05)
        await ib.connectAsync("127.0.0.1", sim.port, clientId=9, timeout=3)
        assert ib.client._reqIdSeq > 50, "nextValidId after a reconnect is above the ids the client used"
        again = LimitOrder("BUY", 1, 100.0, orderRef="T2")
        again.orderId = 40  # below the client's high-water mark, never used
        trade = ib.placeOrder(contract, again)
        await asyncio.sleep(0.1)
        assert 103 in errors and trade.orderStatus.status == "Cancelled"
    finally:
        ib.disconnect()
        await sim.stop()


async def test_runs_as_a_module_on_the_port_it_is_given() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.sims.tws", "--port", "0", cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert "TWS simulator (server version 157)" in line
        port = int(line.split(" on ")[1].split(",")[0].rsplit(":", 1)[1])
        ib = IB()
        await ib.connectAsync("127.0.0.1", port, clientId=1, timeout=3)
        assert ib.managedAccounts() == ["DU1234567"]
        ib.disconnect()
    finally:
        process.terminate()
        await process.wait()
