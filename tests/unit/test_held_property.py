"""Property: no sequence of fills leaves a held child larger than the position it protects (nor than what its
entry filled), with the real order manager, portfolio and journal; and what is journaled is what is held."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    Order,
    OrderAccepted,
    OrderFilled,
    OrderRequest,
    OrderSubmitted,
    Side,
)
from core.domain.protection import Bracket, HeldChild
from core.services.bus import EventBus
from core.services.clock import SystemClock
from core.services.held_protection import HeldProtection
from core.services.oms import OrderManager
from core.services.portfolio import Portfolio
from core.storage.journal import SqliteJournal
from tests.factories import make_fill, make_instrument, make_order

ACCOUNT = AccountId("PROP-1")
INSTRUMENTS = {"AAPL": make_instrument("AAPL")}

# (who, side, quantity): "entry" fills the bracket's entry (its side); "other" is any other fill of the account
steps = st.lists(st.tuples(st.sampled_from(["entry", "other"]), st.sampled_from([Side.BUY, Side.SELL]),
                           st.integers(1, 40)), max_size=25)


async def never_sent(request: OrderRequest, coid: ClientOrderId, held: object) -> Order:
    raise AssertionError("no quote is published, so no child is sent")


async def never_cancelled(coid: ClientOrderId) -> None:
    raise AssertionError("nothing is cancelled")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry_side=st.sampled_from([Side.BUY, Side.SELL]), entry_qty=st.integers(1, 60), script=steps)
def test_no_fills_leave_a_held_child_larger_than_its_position(entry_side: Side, entry_qty: int,
                                                              script: list[tuple[str, Side, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bus = EventBus()
        journal = SqliteJournal(Path(folder) / "j.sqlite")
        try:
            oms = OrderManager(bus, journal)
            portfolio = Portfolio(bus, INSTRUMENTS, SystemClock())
            protection = HeldProtection(bus, journal, oms, portfolio, SystemClock(), never_sent, never_cancelled)
            entry = make_order(side=entry_side, quantity=str(entry_qty), account_id=ACCOUNT)
            entry.apply(OrderSubmitted(entry.client_order_id))
            oms.create(entry)
            children = Bracket(Decimal("50"), Decimal("150")).children(entry.client_order_id, ACCOUNT, "AAPL",
                                                                       entry_side)
            journal.record_held(children)
            protection.adopt(children)
            oms.apply(OrderAccepted(entry.client_order_id, BrokerOrderId("B1")))
            for who, side, qty in script:
                if who == "entry":
                    qty = min(qty, int(entry.leaves_qty))
                    if qty == 0 or not entry.is_working:
                        continue
                    oms.apply(OrderFilled(entry.client_order_id, make_fill(entry, quantity=str(qty))))
                else:
                    oms.record_external_fill(make_fill(quantity=str(qty), side=side, account_id=ACCOUNT))
                check(protection.children(ACCOUNT), portfolio, entry)
            assert {c.key: c for c in journal.load_held()} == {c.key: c for c in protection.children(ACCOUNT)}
        finally:
            journal.close()


def check(children: list[HeldChild], portfolio: Portfolio, entry: Order) -> None:
    position = portfolio.position(ACCOUNT, "AAPL")
    signed = Decimal(0) if position is None else position.quantity
    protects = max(Decimal(0), signed * entry.side.sign)
    for child in children:
        if child.state.is_live:
            assert child.quantity <= protects, (child, signed)
            assert child.quantity <= entry.filled_qty, (child, entry.filled_qty)
