"""OandaBroker: one OANDA v20 account on TradeTerm's loop (aiohttp; no threads).

Orders carry our ClientOrderId in clientExtensions.id (and tradeClientExtensions.id). Statuses come
from transactions: those the POST answers with and those of the transaction stream, each handled once
(by transaction id); after a stream break the gap is read back with transactions/sinceid, from the last
transaction the stream (or an earlier read-back) carried, never from one an answer carried: an answer can
overtake the stream, which may still owe an earlier transaction (a resting order's fill). A submit
whose answer does not come in time is looked up by our id (GET /orders/@id, then the transactions),
never sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.adapters.oanda.brackets import (
    OnFillChildren,
    cancel_words,
    entry_body,
    entry_id_of,
    on_fill_details,
    refusal,
    waiting_children,
)
from core.adapters.oanda.client import OandaClient, TokenSource
from core.adapters.oanda.config import OandaConfig
from core.adapters.oanda.history import GRANULARITIES, candle_params, to_bars
from core.adapters.oanda.hours import fx_hours
from core.adapters.oanda.parsing import (
    cancel_reason,
    decimal_of,
    expiry_reason,
    order_body,
    parse_fill,
    parse_funds,
    parse_instrument,
    parse_order_state,
    parse_positions,
    parse_time,
    protection,
    refusal_error,
)
from core.adapters.oanda.prices import OandaPrices
from core.adapters.oanda.waiting_move import move_waiting_child
from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    ConnectionChanged,
    ConnectionState,
    Fill,
    Instrument,
    Money,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderFilled,
    OrderModified,
    OrderModifyRejected,
    OrderRejected,
    OrderType,
    Price,
    Quantity,
    TimeInForce,
)
from core.domain.bars import Bar
from core.domain.funds import AccountFunds
from core.domain.protection import Bracket
from core.domain.trading_hours import TradingHours
from core.ports.bar_history import HistoryUnavailable
from core.ports.broker import (
    BrokerOrderState,
    BrokerSnapshot,
    EventSink,
    FoundOrder,
    QuoteSink,
    quotes_one_by_one,
)
from core.ports.errors import BrokerApiError, BrokerError, ConnectionLost, OrderNotFound, Timeout

log = logging.getLogger(__name__)
SNAPSHOT_TRIES = 5
"""Reads of the account until its positions and the transactions handled here agree (see OandaBroker.snapshot)."""
LOOKUP_PAUSE_S = 0.25
"""OANDA's reads lag its writes by up to ~0.5 s: a just-placed order can read back 404 NO_SUCH_ORDER."""


class OandaBroker:
    kind = "oanda"
    order_types = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP})
    """core.ports.capabilities.OrderTypes: OANDA has no stop-limit order."""
    extra_order_types = frozenset({OrderType.MARKET_IF_TOUCHED})
    times_in_force = frozenset({TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD})
    """core.ports.order_terms.OrderTerms: DAY is OANDA's GFD; GTD ends at the order's expire_at."""
    children_follow_trade = True
    """core.ports.native_protection.ChildrenFollowTrade: OANDA's stop-loss and take-profit are on the trade."""

    def __init__(self, account_id: AccountId, config: OandaConfig, sink: EventSink, token: TokenSource,
                 *, quotes: QuoteSink | None = None) -> None:
        self.account_id = account_id
        self.config = config
        self._sink = sink
        self._quotes = quotes or quotes_one_by_one(sink)
        self._client = OandaClient(config.rest, config.stream, config.account, token, config.request_timeout_s)
        self._prices = OandaPrices(self._client, config, str(account_id), self._quotes)
        self._instruments: dict[str, Instrument] = {}
        self._subscribed: tuple[str, ...] = ()
        self._by_broker_id: dict[str, ClientOrderId] = {}
        self._broker_ids: dict[ClientOrderId, str] = {}
        self._in_flight: set[ClientOrderId] = set()
        self._lasting: dict[ClientOrderId, str] = {}
        """Our GTD and GFD orders and their time in force: OANDA's TIME_IN_FORCE_EXPIRED cancel ends them expired."""
        self._seen: set[str] = set()
        self._last_id = 0
        """Every transaction up to this id is handled: carried in order by the stream, or read back. Only those two
        move it (see the module docstring); a read-back after a break starts here."""
        self._fills: list[Fill] = []
        self._connected = False
        self._stream_lost = False
        """The transaction stream broke and is not open again: the account is RECONNECTING (order changes unseen)."""
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._on_fill = OnFillChildren()
        """Native brackets' children while OANDA holds them as details of their entry (brackets.py)."""

    # --- BrokerAdapter -----------------------------------------------------------------------------

    def instruments(self) -> Sequence[Instrument]:
        return list(self._instruments.values())

    async def trading_hours(self, instrument: Instrument, now: datetime) -> TradingHours | None:
        """Return forex's 24x5 week (TradingHoursSource; OANDA's instruments carry no hours)."""
        return fx_hours(instrument, now)

    async def connect(self) -> None:
        self._publish_state(ConnectionState.CONNECTING, f"Connecting to OANDA {self.config.environment}…")
        try:
            refusal = self.config.live_refusal()
            if refusal:
                raise BrokerApiError(refusal, "LIVE_NOT_CONFIRMED")
            await self._client.open()
            _, summary = await self._client.request("GET", "/summary")
            if not self._last_id:  # a reconnect reads back from where this account's transactions were left
                self._last_id = int(summary.get("lastTransactionID") or 0)
            _, listed = await self._client.request("GET", "/instruments",
                                                   params={"instruments": ",".join(self.config.symbols)})
            account_rate = (summary.get("account") or summary).get("marginRate")
            for wire in listed.get("instruments", []):
                instrument = parse_instrument(wire, account_rate)
                self._instruments[instrument.symbol] = instrument
        except BrokerError as exc:
            await self._client.close()
            self._publish_state(ConnectionState.FAILED, str(exc))
            raise
        self._connected = True
        self._stream_lost = False
        self._tasks["transactions"] = asyncio.create_task(self._transaction_loop())
        self._tasks["closes"] = asyncio.create_task(self._prices.keep_closes(lambda: self._subscribed))
        if self._subscribed:
            self._start_pricing()
        self._publish_state(ConnectionState.CONNECTED, f"Connected to OANDA {self.config.environment} account "
                                                       f"{self.config.account}.")

    async def disconnect(self) -> None:
        was = self._connected
        self._connected = False
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self._client.close()
        if was:
            self._publish_state(ConnectionState.DISCONNECTED, "Disconnected from OANDA.")

    async def subscribe(self, instruments: Sequence[Instrument]) -> None:
        wanted = tuple(sorted({*self._subscribed, *(i.symbol for i in instruments)}))
        if wanted == self._subscribed:
            return
        self._subscribed = wanted
        self._prices.want_closes()
        if self._connected:
            self._start_pricing()

    async def submit(self, order: Order) -> None:
        await self._place(order, {})

    async def submit_protected(self, order: Order, bracket: Bracket,
                               trailing_distance: Decimal | None = None) -> None:
        """Submit order with OANDA's own take-profit / stop-loss / trailing stop attached on fill.

        A US (FIFO) account refuses a protected trade of the same size as an open one of the pair:
        the OrderRejected says so and what to do.
        """
        await self._place(order, protection(bracket.take_profit, bracket.stop_loss, trailing_distance))

    async def submit_bracket(self, entry: Order, children: Sequence[Order]) -> list[BaseException | None]:
        """Place entry with its children as OANDA's takeProfitOnFill / stopLossOnFill (NativeProtection): OANDA
        makes them orders on the trade when the entry fills and cancels one when the other fills (brackets.py)."""
        refused = refusal(entry, children)
        if refused is not None:
            return refused
        try:
            await self._place(entry, on_fill_details(children))
        except BrokerError as exc:
            return [exc] * (1 + len(children))
        holder = self._broker_ids.get(entry.client_order_id)
        for child in children:  # held on the entry until it fills (unless OANDA made it an order, or ended it)
            if holder and entry.client_order_id in self._on_fill.held and child.client_order_id not in \
                    self._on_fill.created:
                self._sink(OrderAccepted(child.client_order_id, BrokerOrderId(holder)))
        return [None] * (1 + len(children))

    async def _place(self, order: Order, extra: Mapping[str, Any]) -> None:
        self._require_connected()
        coid = order.client_order_id
        body = {**order_body(order), **extra}
        self._in_flight.add(coid)
        try:
            try:
                status, payload = await self._client.request("POST", "/orders", {"order": body},
                                                             timeout=self.config.order_timeout_s)
            except (Timeout, ConnectionLost) as exc:
                if await self._find_after_timeout(order):
                    return
                raise Timeout(f"OANDA did not confirm order {coid} ({exc}); it was not found by its id either. "
                              "It was not sent again: reconcile the account to learn its fate.") from None
            if status == 201:
                answers = [payload.get(k) for k in ("orderCreateTransaction", "orderFillTransaction",
                                                     "orderCancelTransaction")]
                for tx in sorted((a for a in answers if a), key=lambda t: int(t["id"])):
                    self._on_transaction(tx)
                return
            reject = payload.get("orderRejectTransaction") or {}
            if reject.get("id"):  # the stream carries it too: it is this refusal, already raised
                self._seen.add(str(reject["id"]))
            raise refusal_error(payload, order.instrument.symbol)
        finally:
            self._in_flight.discard(coid)

    async def cancel(self, order: Order) -> None:
        self._require_connected()
        coid = order.client_order_id
        if await self._take_off_held_child(order):
            return
        status, payload = await self._client.request("PUT", f"/orders/@{coid}/cancel")
        if status == 200:
            self._on_transaction(payload["orderCancelTransaction"])
            return
        reject = payload.get("orderCancelRejectTransaction") or {}
        if reject.get("id"):
            self._seen.add(str(reject["id"]))
        reason = str(payload.get("errorMessage") or reject.get("rejectReason") or "refused")
        self._sink(OrderCancelRejected(coid, f"OANDA could not cancel the order: {reason} (it may have filled or "
                                             "been canceled already)."))

    async def modify(self, order: Order, quantity: Quantity, limit_price: Price | None,
                     stop_price: Price | None) -> None:
        """Replace the pending order (PUT /orders/@id): OANDA cancels it and creates its replacement under our id.

        Publishes OrderModified (the replacement's units and price) or OrderModifyRejected. A change whose answer
        is lost raises Timeout: the account stays connected, and the session asks OANDA what became of it.
        """
        self._require_connected()
        coid = order.client_order_id
        changed = replace(order, quantity=quantity, limit_price=limit_price, stop_price=stop_price, events=[])
        if changed.tif is TimeInForce.GTD and changed.expire_at is None:  # not journaled: OANDA's order has it
            status, found = await self._client.request("GET", f"/orders/@{coid}")
            gtd = (found.get("order") or {}).get("gtdTime") if status == 200 else None
            changed.expire_at = parse_time(gtd) if gtd else None
            if changed.expire_at is None:
                self._sink(OrderModifyRejected(coid, "OANDA did not say when this GTD order ends; cancel it and "
                                                     "place it again with its end."))
                return
        moved = limit_price or stop_price
        if self._on_fill.waiting_entry(coid) is not None and moved is not None:  # only a detail of its entry yet
            await move_waiting_child(self._client, self._on_fill, self._sink, order, moved.value,
                                     handle=self._on_transaction, catch_up=self._catch_up,
                                     on_trade=lambda: self._replace(coid, changed), timeout=self.config.order_timeout_s)
            return
        await self._replace(coid, changed)

    async def _replace(self, coid: ClientOrderId, changed: Order) -> None:
        """PUT the change of an order of its own at OANDA (an entry, or a child made an order on its trade)."""
        body = self._on_fill.replacement(coid, changed) or {  # a child on its trade, or an order (keeping children)
            **order_body(changed), **self._on_fill.details_of(coid)}
        try:
            status, payload = await self._client.request("PUT", f"/orders/@{coid}", {"order": body})
        except ConnectionLost as exc:  # this request's connection, not the account's: OANDA is asked at once
            raise Timeout(f"OANDA did not answer the change ({exc}); whether it was made is checked with OANDA.") \
                from None
        if status == 201:
            answers = [payload.get(k) for k in ("replacingOrderCancelTransaction", "orderCancelTransaction",
                                                 "orderCreateTransaction", "orderFillTransaction")]
            for tx in sorted((a for a in answers if a), key=lambda t: int(t["id"])):
                self._on_transaction(tx)
            return
        for key in ("orderRejectTransaction", "orderCancelRejectTransaction"):
            if (payload.get(key) or {}).get("id"):
                self._seen.add(str(payload[key]["id"]))
        self._sink(OrderModifyRejected(coid, f"OANDA did not change the order: {payload.get('errorMessage') or status}"
                                             " (it may have filled or been canceled already)."))

    async def _take_off_held_child(self, child: Order) -> bool:
        """Cancel a bracket's child that OANDA still holds on its pending entry, by replacing the entry without the
        child's detail; return False when child is not held so (it is an order of its own, or unknown)."""
        coid = child.client_order_id
        entry = self._on_fill.waiting_entry(coid)
        if entry is None:
            return False
        status, found = await self._client.request("GET", f"/orders/@{entry}")
        wire = (found.get("order") or {}) if status == 200 else {}
        if wire.get("state") != "PENDING":
            return False
        status, payload = await self._client.request("PUT", f"/orders/@{entry}", {"order": entry_body(wire, coid)})
        if status != 201:
            return False
        answers = [payload.get(k) for k in ("orderCancelTransaction", "orderCreateTransaction")]
        for tx in sorted((a for a in answers if a), key=lambda t: int(t["id"])):
            self._on_transaction(tx)
        self._sink(OrderCanceled(coid, "taken off its entry at OANDA"))
        return True

    async def snapshot(self, fills_since: datetime | None = None) -> BrokerSnapshot:
        """OANDA's cash, positions, our orders and fills, read so the positions match what we have booked.

        The positions are read last, and taken only if no transaction followed them by the time every transaction
        up to them is handled here (read back): a fill that fell between the reads would otherwise show as a
        difference of the books and halt the account. Tried SNAPSHOT_TRIES times; the last read stands.
        """
        self._require_connected()
        since = fills_since or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        for _ in range(SNAPSHOT_TRIES):
            await self._catch_up()
            _, summary = await self._client.request("GET", "/summary")
            states = await self._order_states()
            fills = await self._fills_since(since)
            _, positions = await self._client.request("GET", "/openPositions")
            await self._catch_up()
            if self._last_id <= int(positions.get("lastTransactionID") or 0):
                break
        account = summary.get("account", {})
        balance = decimal_of(account.get("balance")) or Decimal(0)
        return BrokerSnapshot(self.account_id, (Money(balance, str(account.get("currency", "USD"))),),
                              parse_positions(positions.get("positions", [])), states, fills)

    async def _order_states(self) -> tuple[BrokerOrderState, ...]:
        """Our orders at OANDA: every pending one, and the newest 500 of all states (OANDA lists no more), and the
        bracket children a pending entry still holds (brackets.py).

        A changed order is cancelled and replaced under our id: the replaced one (replacedByOrderID) is left out,
        so the order is its replacement, never the cancelled original. Oldest first: the newest order of an id
        is the one a reader keying by our id keeps.
        """
        _, pending = await self._client.request("GET", "/pendingOrders")
        _, recent = await self._client.request("GET", "/orders", params={"state": "ALL", "count": "500"})
        wires = {str(w["id"]): w for w in recent.get("orders", [])}
        wires.update({str(w["id"]): w for w in pending.get("orders", [])})
        kept = [w for _, w in sorted(wires.items(), key=lambda item: int(item[0])) if not w.get("replacedByOrderID")]
        return tuple(parse_order_state(w) for w in kept if (w.get("clientExtensions") or {}).get("id")) + \
            self._on_fill.learn(kept)

    async def _fills_since(self, since: datetime) -> tuple[Fill, ...]:
        """Every fill since `since`, from OANDA's transaction history (pages of ORDER_FILL), so a restart loses none."""
        stamp = f"{since.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}000Z"
        _, listing = await self._client.request("GET", "/transactions", params={
            "from": stamp, "type": "ORDER_FILL", "pageSize": "1000"})
        by_trade = {f.trade_id: f for f in self._fills if f.ts >= since}
        for page in listing.get("pages", []):
            _, payload = await self._client.request("GET", str(page))
            for tx in payload.get("transactions", []):
                if tx.get("type") == "ORDER_FILL":
                    fill = parse_fill(tx, self.account_id, self._coid_of(tx))
                    by_trade.setdefault(fill.trade_id, fill)
        return tuple(sorted(by_trade.values(), key=lambda f: f.ts))

    def history_intervals(self) -> frozenset[timedelta]:
        return frozenset(GRANULARITIES)

    async def history(self, symbol: str, interval: timedelta, start: datetime, end: datetime) -> Sequence[Bar]:
        """Complete mid candles of symbol from start to end (BarHistory); HistoryUnavailable when OANDA refuses."""
        if interval not in GRANULARITIES:
            raise HistoryUnavailable(f"OANDA serves no {interval} candles.")
        try:
            status, payload = await self._client.request(
                "GET", f"{self.config.rest}/v3/instruments/{symbol}/candles",
                params=candle_params(interval, start, end))
        except BrokerError as exc:
            raise HistoryUnavailable(str(exc)) from None
        if status != 200:
            raise HistoryUnavailable(f"OANDA has no candles of {symbol}: {payload.get('errorMessage', status)}")
        return to_bars(payload.get("candles", []), symbol, str(self.account_id), interval, start, end)

    # --- optional capabilities ---------------------------------------------------------------------

    async def account_funds(self) -> AccountFunds:
        self._require_connected()
        _, summary = await self._client.request("GET", "/summary")
        return parse_funds(summary.get("account", {}), self.account_id, datetime.now(UTC))

    async def lookup_order(self, order: Order) -> FoundOrder | None:
        self._require_connected()
        status, payload = await self._client.request("GET", f"/orders/@{order.client_order_id}")
        entry = entry_id_of(order.client_order_id) if status == 404 else None
        if entry is not None:  # a bracket's child still held on its entry is no order of its own yet
            status, payload = await self._client.request("GET", f"/orders/@{entry}")
            held = [s for s in waiting_children(payload.get("order") or {}) if s.client_order_id ==
                    order.client_order_id] if status == 200 else []
            return FoundOrder(held[0], ()) if held else None
        if status == 404:
            return None
        await self._catch_up()
        state = parse_order_state(payload["order"])
        return FoundOrder(state, tuple(f for f in self._fills if f.client_order_id == order.client_order_id))

    async def close_position(self, symbol: str) -> None:
        """Close the whole position in symbol (long and short) at market; OrderNotFound if there is none."""
        self._require_connected()
        status, payload = await self._client.request("PUT", f"/positions/{symbol}/close",
                                                     {"longUnits": "ALL", "shortUnits": "ALL"})
        if status == 404 or payload.get("errorCode") == "CLOSEOUT_POSITION_DOESNT_EXIST":
            raise OrderNotFound(f"OANDA holds no position in {symbol} to close.")
        if status != 200:
            raise BrokerApiError(f"OANDA could not close {symbol}: {payload.get('errorMessage', status)}",
                                 payload.get("errorCode"))

    # --- transactions --------------------------------------------------------------------------------

    def _on_transaction(self, tx: Mapping[str, Any]) -> None:
        tx_id = str(tx.get("id", ""))
        if not tx_id or tx_id in self._seen:
            return
        self._seen.add(tx_id)
        kind = str(tx.get("type", ""))
        if kind.endswith("_ORDER") and not kind.endswith("REJECT"):
            client = tx.get("clientExtensions") or {}
            if client.get("id"):
                coid = ClientOrderId(str(client["id"]))
                self._by_broker_id[tx_id] = coid
                current = self._broker_ids.get(coid)
                if current is not None and int(current) > int(tx_id):
                    return  # read back late (a lagging stream): a newer change of this order is already here
                moved = self._on_fill.note(tx, coid)
                self._broker_ids[coid] = tx_id
                if tx.get("timeInForce") in ("GTD", "GFD"):
                    self._lasting[coid] = str(tx["timeInForce"])
                if tx.get("replacesOrderID"):
                    price = decimal_of(tx.get("price"))
                    trigger = kind in ("STOP_ORDER", "MARKET_IF_TOUCHED_ORDER", "STOP_LOSS_ORDER")
                    units = tx.get("units") or self._on_fill.units.get(coid, Decimal(0))  # none on a trade's order
                    self._sink(OrderModified(coid, Quantity(abs(Decimal(str(units)))),
                                             Price(price) if price is not None and not trigger else None,
                                             Price(price) if price is not None and trigger else None))
                else:
                    self._sink(OrderAccepted(coid, BrokerOrderId(tx_id)))
                for child, take, at in moved:  # a child held on this entry, moved by its replace (waiting_move.py)
                    size = Quantity(self._on_fill.units.get(child, Decimal(0)))
                    self._sink(OrderModified(child, size, Price(at) if take else None, None if take else Price(at)))
        elif kind == "ORDER_FILL":
            filled = self._coid_of(tx)
            fill = parse_fill(tx, self.account_id, filled)
            self._fills.append(fill)
            if filled is not None:
                self._sink(OrderFilled(filled, fill))
        elif kind == "ORDER_CANCEL":
            canceled = self._coid_of(tx)
            if canceled is not None and not tx.get("replacedByOrderID"):  # a replaced order lives on, changed
                lasting = self._lasting.pop(canceled, None)
                if lasting is not None and tx.get("reason") == "TIME_IN_FORCE_EXPIRED":
                    self._sink(OrderExpired(canceled, expiry_reason(lasting)))
                else:
                    self._sink(OrderCanceled(canceled, cancel_words(str(tx.get("reason"))) or cancel_reason(tx)))
                for child in self._on_fill.orphaned(canceled):  # held on the entry: they end with it
                    self._sink(OrderCanceled(child, f"its entry ended at OANDA: {cancel_reason(tx)}"))
        elif kind.endswith("_ORDER_REJECT"):
            client = tx.get("clientExtensions") or {}
            refused = ClientOrderId(str(client["id"])) if client.get("id") else None
            if refused is not None and refused not in self._in_flight and refused not in self._broker_ids:
                self._sink(OrderRejected(refused, f"OANDA refused the order ({tx.get('rejectReason', '')})."))

    def _coid_of(self, tx: Mapping[str, Any]) -> ClientOrderId | None:
        if tx.get("clientOrderID"):
            return ClientOrderId(str(tx["clientOrderID"]))
        return self._by_broker_id.get(str(tx.get("orderID", "")))

    async def _catch_up(self) -> None:
        """Read back every transaction after the last one handled in order, 1,000 at a time (OANDA's most)."""
        while True:
            status, payload = await self._client.request("GET", "/transactions/sinceid",
                                                         params={"id": str(self._last_id)})
            if status != 200:
                raise BrokerApiError(f"OANDA did not list its transactions since {self._last_id}: "
                                     f"{payload.get('errorMessage', status)}", payload.get("errorCode"))
            read = payload.get("transactions") or []
            for tx in read:
                self._on_transaction(tx)
            newest = max((int(tx["id"]) for tx in read), default=0)
            last = int(payload.get("lastTransactionID") or 0)
            self._last_id = max(self._last_id, newest if read else last)
            if not read or self._last_id >= last:
                return

    def _on_stream(self, tx: Mapping[str, Any]) -> None:
        """A transaction of the stream: the stream carries them in order, so all before it are handled too."""
        self._on_transaction(tx)
        if str(tx.get("id", "")).isdigit():
            self._last_id = max(self._last_id, int(tx["id"]))

    async def _find_after_timeout(self, order: Order) -> bool:
        """Look the order up by our id (reads lag writes), then read its transactions; True if OANDA has it."""
        coid = order.client_order_id
        deadline = asyncio.get_running_loop().time() + self.config.order_timeout_s
        while True:
            with contextlib.suppress(BrokerError):
                status, _ = await self._client.request("GET", f"/orders/@{coid}")
                if status == 200:
                    await self._catch_up()
                    return True
                await self._catch_up()
                if coid in self._broker_ids:
                    return True
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(LOOKUP_PAUSE_S)

    async def _transaction_loop(self) -> None:
        pause = self.config.reconnect_initial_s
        while self._connected:
            try:
                # once the stream is open, what happened while it was down (OANDA does not replay it): read back
                # before, a transaction between the read and the stream's start would be lost
                async for line in self._client.lines("/transactions/stream", {}, self.config.heartbeat_timeout_s,
                                                     opened=self._stream_opened):
                    pause = self.config.reconnect_initial_s
                    if line.get("type") != "HEARTBEAT":
                        self._on_stream(line)
            except BrokerError as exc:
                log.warning("OANDA transaction stream: %s; reconnecting in %.1f s", exc, pause)
                if self._connected and not self._stream_lost:
                    # Without the stream no fill or cancel reaches TradeTerm: the account said "connected · active"
                    # while OANDA was out of reach. RECONNECTING halts it (the session refuses its orders) until
                    # the stream is open again and what it missed is read back.
                    self._stream_lost = True
                    self._publish_state(ConnectionState.RECONNECTING,
                                        f"Lost OANDA's transaction stream ({exc}); reconnecting…")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)

    async def _stream_opened(self) -> None:
        """The transaction stream is open: read back what happened while it was down; after a break, say so."""
        await self._catch_up()
        if self._stream_lost and self._connected:
            self._stream_lost = False
            self._publish_state(ConnectionState.CONNECTED, f"Reconnected to OANDA {self.config.environment} account "
                                                           f"{self.config.account}.")

    # --- prices --------------------------------------------------------------------------------------

    def _start_pricing(self) -> None:
        old = self._tasks.pop("pricing", None)
        if old is not None:
            old.cancel()
        self._tasks["pricing"] = asyncio.create_task(self._prices.stream(self._subscribed))

    # --- helpers -------------------------------------------------------------------------------------

    def _require_connected(self) -> None:
        if not self._connected:
            raise ConnectionLost("Not connected to OANDA: connect the account first.")

    def _publish_state(self, state: ConnectionState, message: str) -> None:
        self._sink(ConnectionChanged(self.account_id, state, message))


def create(account_id: AccountId, settings: dict[str, object], sink: EventSink,
           *, quotes: QuoteSink | None = None) -> OandaBroker:
    """Build an OANDA account from its settings (see OandaConfig.from_mapping); the registry's factory.

    settings carry "token": the access token, or a callable reading it from the keyring (never persisted).
    """
    values = dict(settings)
    raw = values.pop("token", None)
    token: TokenSource = raw if callable(raw) else (lambda: str(raw) if raw else None)
    return OandaBroker(account_id, OandaConfig.from_mapping(values), sink, token, quotes=quotes)
