"""Per-order risk check CPU for a strategy with limits of its own, among thousands of its working orders.

`python -m bench.strategy_risk` builds the core's order path without the window or a broker: the OMS on a
SQLite journal, the portfolio, the quote cache and the risk engine, with strategy "alpha" given its own
scope in Risk limits. It rests `--orders` buy limits of alpha on one account (spread over 20 symbols, all
acknowledged), then times `RiskEngine.preview` (every check, nothing remembered) of one more alpha order,
`--checks` times, in CPU time (time.process_time: the host's other load does not count).

Figures, one JSON line each (`figure`):
- `strategy_gross_cap`: alpha's scope caps its position, working orders and gross exposure (the exposure
  cap is what summed every working order of the strategy again for each order);
- `strategy_position_cap`: alpha's scope caps its position and working orders only;
- `account_only`: a person's order on the same account (no strategy scope), for reference.
Each gives `cpu_ms_mean`, `cpu_ms_p50`, `cpu_ms_p90` and `cpu_ms_max` per order, and `working` (the
account's working orders, all alpha's).
- `sums_update`: what keeping the running sums costs each order event: `cpu_us_per_update`, the CPU of
  `WorkingOrders.update` per order when the sums of every working order are built afresh (best of 5).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import emit, host_speed_ms, machine, percentile

ORDERS = 4_000
CHECKS = 200
SYMBOLS = 20
ACCOUNT = "PAPER-1"
OPEN = {"max_position": "100000000", "max_working_orders": "1000000"}
"""Caps no bench order reaches: every check runs to the end and passes."""
FIGURES = (("strategy_gross_cap", True, "alpha"), ("strategy_position_cap", False, "alpha"),
           ("account_only", True, None))
"""Each figure: its name, whether alpha's scope caps its gross exposure, and the strategy of the checked orders."""


def _world(journal: Any, gross_cap: bool) -> tuple[Any, Any, list[Any]]:
    """Return the engine, the OMS and the instruments, on a fresh bus over journal."""
    from core.domain import AccountId, AssetClass, Instrument, Quote
    from core.services.bus import EventBus
    from core.services.clock import SystemClock
    from core.services.instruments import InstrumentCatalog
    from core.services.oms import OrderManager
    from core.services.portfolio import Portfolio
    from core.services.quote_cache import QuoteCache
    from core.services.risk import HoldCause, RiskConfig, RiskEngine, RiskLimits

    bus, clock = EventBus(), SystemClock()
    instruments = [Instrument(symbol=f"S{k:03d}", venue="NYSE", currency="USD", tick_size=Decimal("0.01"),
                              lot_size=Decimal(1), multiplier=Decimal(1), asset_class=AssetClass.STOCK)
                   for k in range(SYMBOLS)]
    catalog = InstrumentCatalog()
    catalog.add(instruments)
    quotes = QuoteCache(bus)
    portfolio = Portfolio(bus, catalog, clock)
    oms = OrderManager(bus, journal)
    alpha: dict[str, object] = dict(OPEN, **({"max_gross_exposure": "900000000000"} if gross_cap else {}))
    engine = RiskEngine(bus, clock, quotes, portfolio, oms, RiskConfig(RiskLimits(), strategies={"alpha": alpha}))
    engine.register_account(AccountId(ACCOUNT))
    engine.release(AccountId(ACCOUNT), HoldCause.CONNECTION)
    for instrument in instruments:
        bus.publish(Quote(instrument.symbol, Decimal("49.99"), Decimal("50.00"), Decimal("50.00"), ts=clock.now()))
    return engine, oms, instruments


def _order(instrument: Any, k: int, strategy: str | None) -> Any:
    from core.domain import AccountId, ClientOrderId, Order, OrderType, Price, Quantity, Side, StrategyId

    return Order(client_order_id=ClientOrderId.generate(), account_id=AccountId(ACCOUNT), instrument=instrument,
                 side=Side.BUY, quantity=Quantity(1 + k % 7), order_type=OrderType.LIMIT,
                 limit_price=Price(f"{45 - k % 1000 / 100:.2f}"),
                 strategy_id=None if strategy is None else StrategyId(strategy))


def _rest(oms: Any, instruments: list[Any], count: int) -> None:
    """Journal count working buy limits of alpha (500 a transaction) and acknowledge them."""
    from core.domain import BrokerOrderId, OrderAccepted, OrderSubmitted

    for start in range(0, count, 500):
        batch = [_order(instruments[k % len(instruments)], k, "alpha") for k in range(start, min(count, start + 500))]
        for order in batch:
            order.apply(OrderSubmitted(order.client_order_id))
        oms.create_together(batch)
        oms.apply_all([OrderAccepted(o.client_order_id, BrokerOrderId(f"B-{o.client_order_id}")) for o in batch])


def _time_checks(engine: Any, instruments: list[Any], checks: int, strategy: str | None) -> list[float]:
    """Return the CPU ms of each preview of a new order (of strategy, or a person's)."""
    times = []
    for k in range(checks):
        order = _order(instruments[k % len(instruments)], k, strategy)
        start = time.process_time()
        refusal = engine.preview(order)
        times.append((time.process_time() - start) * 1000)
        if refusal is not None:
            raise RuntimeError(f"strategy_risk: a bench order was refused: {refusal.reason}")
    return times


def run(orders: int, checks: int) -> list[dict[str, Any]]:
    from core.storage.journal import SqliteJournal

    records = []
    for figure, gross_cap, strategy in FIGURES:
        with tempfile.TemporaryDirectory(prefix="strategy-risk-") as folder, \
                SqliteJournal(Path(folder) / "journal.sqlite") as journal:
            engine, oms, instruments = _world(journal, gross_cap)
            _rest(oms, instruments, orders)
            times = _time_checks(engine, instruments, checks, strategy)
            records.append({
                "bench": "strategy_risk", "figure": figure, "working": len(oms.working()), "checks": checks,
                "cpu_ms_mean": round(sum(times) / len(times), 3), "cpu_ms_p50": round(percentile(times, 0.5), 3),
                "cpu_ms_p90": round(percentile(times, 0.9), 3), "cpu_ms_max": round(max(times), 3),
            })
            if figure == "account_only":
                records.append({"bench": "strategy_risk", "figure": "sums_update", "working": len(oms.working()),
                                "cpu_us_per_update": _update_cost(oms.working())})
    return records


def _update_cost(working: list[Any]) -> float:
    """Return the CPU microseconds WorkingOrders.update takes per order, building the sums of working afresh."""
    from core.services.working_orders import WorkingOrders

    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        WorkingOrders.of(working)
        best = min(best, time.process_time() - start)
    return round(best * 1e6 / max(1, len(working)), 2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.strategy_risk", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=ORDERS, help="alpha's working orders on the account")
    parser.add_argument("--checks", type=int, default=CHECKS, help="orders checked per figure")
    args = parser.parse_args(argv)
    speed = host_speed_ms()
    for record in run(args.orders, args.checks):
        emit({**record, "host_speed_ms": speed, **machine()})


if __name__ == "__main__":
    main()
