"""Sizing by a volatility stop on IB: ATR(14) of the daily bars TWS serves, or a clear refusal when a new issue has
too short a history. The real ib_async client over a socket, against tests/sims/tws."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from itertools import pairwise

import pytest

from core.domain import validate_request
from core.ports.bar_history import ONE_DAY
from core.services.sizing import SizingError
from core.services.sizing_order import SizingSpec
from tests.adapters import ib_desk
from tests.adapters.ib_desk import Desk
from tests.sims.tws import TwsSimulator

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(rest_orders=True, tick_interval_s=0.05)
desk = ib_desk.desk_fixture()


async def test_sizing_by_two_atr_uses_the_daily_bars_tws_sent(desk: Desk, sim: TwsSimulator) -> None:
    request = await desk.order(-5)
    valid, problems = validate_request(request, desk.session.instruments.find("AAPL"))
    assert valid is not None, problems
    sized, currency = await desk.session.view.size_by_risk_now(
        valid, SizingSpec(risk_amount=Decimal(2000), atr_k=Decimal(2), atr_n=14))
    (sent,) = [bars for bars in sim.history_state.sent if bars and bars[0].interval == ONE_DAY]
    last = sent[-15:]
    atr = sum((max(b.high - b.low, abs(b.high - a.close), abs(b.low - a.close)) for a, b in pairwise(last)),
              Decimal(0)) / 14
    distance = (2 * atr / Decimal("0.01")).to_integral_value(rounding=ROUND_CEILING) * Decimal("0.01")
    assert currency == "USD"
    assert sized.stop == valid.limit_price - distance  # type: ignore[operator]
    assert sized.quantity == (Decimal(2000) / distance).to_integral_value(rounding=ROUND_DOWN)


async def test_a_new_issue_with_too_little_history_is_refused_with_what_it_has(desk: Desk, sim: TwsSimulator) -> None:
    sim.history_state.listed_since["AAPL"] = datetime.now(UTC) - timedelta(days=6)
    request = await desk.order(-5)
    valid, _ = validate_request(request, desk.session.instruments.find("AAPL"))
    assert valid is not None
    with pytest.raises(SizingError) as refused:
        await desk.session.view.size_by_risk_now(valid, SizingSpec(risk_amount=Decimal(500), atr_k=Decimal(2)))
    message = refused.value.message
    assert refused.value.field == "stop"
    assert "Too little history" in message and "ATR(14) needs 15 bars of AAPL, there are 5" in message
    assert "stop price or ticks" in message
