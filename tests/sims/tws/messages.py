"""Server -> client message encoders, one per message id, with fields gated on the negotiated server version.

Each method returns the field list (message id first) that `protocol.encode` frames. Field orders
follow ib_async 2.1.0's `Decoder` (see ../shared/reference/broker-protocols.md, section 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from tests.sims.tws.hours import listing_hours
from tests.sims.tws.market import Listing
from tests.sims.tws.protocol import UNSET_DOUBLE, Field

if TYPE_CHECKING:
    from tests.sims.tws.impolite import WhatIfFigures
    from tests.sims.tws.orders import SimExecution, SimOrder

Fields = list[Field]

# Tick types (https://interactivebrokers.github.io/tws-api/tick_types.html)
BID, ASK, LAST, CLOSE = 1, 2, 4, 9
BID_SIZE, ASK_SIZE, LAST_SIZE, VOLUME = 0, 3, 5, 8


def ib_time(when: datetime) -> str:
    """Return an execution time as TWS sends it with an explicit zone: 'YYYYMMDD HH:MM:SS UTC'."""
    return when.strftime("%Y%m%d %H:%M:%S") + " UTC"


def _contract11(listing: Listing) -> Fields:
    """conId … tradingClass without primaryExchange: the layout of openOrder, execDetails, position."""
    return [
        listing.con_id, listing.symbol, listing.sec_type, listing.last_trade_date, listing.strike or "0",
        listing.right, listing.multiplier, listing.exchange, listing.currency, listing.local_symbol,
        listing.trading_class,
    ]


def _order_state(what_if: WhatIfFigures | None) -> Fields:
    """The OrderState fields of openOrder: empty for a live order, the preview's figures (as strings) for whatIf."""
    if what_if is None:
        return ["", "", "", "", "", "", "", "", "", UNSET_DOUBLE, UNSET_DOUBLE, UNSET_DOUBLE, "", ""]
    w = what_if
    after = (w.init_before + w.init_change, w.maint_before + w.maint_change, w.equity_before)
    return [str(w.init_before), str(w.maint_before), str(w.equity_before), str(w.init_change), str(w.maint_change),
            "0", *(str(x) for x in after), w.commission, UNSET_DOUBLE, UNSET_DOUBLE, w.currency, ""]


def _price(value: Decimal | None) -> Field:
    return "" if value is None else value


class Encoder:
    """Encode every message the simulator sends, for one negotiated server version."""

    def __init__(self, server_version: int) -> None:
        self.version = server_version

    # --- session ---------------------------------------------------------------------------------

    def handshake(self, now: datetime) -> Fields:
        """The reply to the greeting: exactly two fields, version and connection time."""
        return [self.version, now.strftime("%Y%m%d %H:%M:%S") + " UTC"]

    def next_valid_id(self, order_id: int) -> Fields:
        return [9, 1, order_id]

    def managed_accounts(self, accounts: Sequence[str]) -> Fields:
        return [15, 1, ",".join(accounts)]

    def current_time(self, epoch: int) -> Fields:
        return [49, 1, epoch]

    def error(self, req_id: int, code: int, message: str) -> Fields:
        fields: Fields = [4, 2, req_id, code, message]
        if self.version >= 166:
            fields.append("")  # advancedOrderRejectJson
        return fields

    # --- market data -----------------------------------------------------------------------------

    def tick_price(self, req_id: int, tick_type: int, price: Decimal, size: Decimal | int = 0) -> Fields:
        return [1, 6, req_id, tick_type, price, size, 0]

    def tick_size(self, req_id: int, tick_type: int, size: Decimal) -> Fields:
        return [2, 6, req_id, tick_type, size]

    def tick_snapshot_end(self, req_id: int) -> Fields:
        return [57, 1, req_id]

    def market_data_type(self, req_id: int, data_type: int) -> Fields:
        return [58, 1, req_id, data_type]

    # --- contracts -------------------------------------------------------------------------------

    def contract_details(self, req_id: int, listing: Listing) -> Fields:
        fields: Fields = [10]
        if self.version < 164:
            fields.append(8)
        fields += [
            req_id, listing.symbol, listing.sec_type, listing.last_trade_date, listing.strike or "0",
            listing.right, listing.exchange, listing.currency, listing.local_symbol, listing.trading_class,
            listing.trading_class, listing.con_id, listing.min_tick,
        ]
        if self.version < 164:
            fields.append("")  # mdSizeMultiplier
        fields += [
            listing.multiplier, listing.order_types, listing.valid_exchanges, 1, 0, listing.long_name,
            listing.primary_exchange, listing.last_trade_date[:6], "", "", "", listing.time_zone,
            *listing_hours(listing), "", "", 0,  # tradingHours, liquidHours (hours.py), evRule, evMultiplier, no secIds
            1, "", "", "26", listing.last_trade_date, "COMMON" if listing.sec_type == "STK" else "",
        ]
        if self.version == 163:
            fields.append(1)
        if self.version >= 164:
            fields += [1, 1, 1]  # minSize, sizeIncrement, suggestedSizeIncrement
        return fields

    def contract_details_end(self, req_id: int) -> Fields:
        return [52, 1, req_id]

    # --- orders ----------------------------------------------------------------------------------

    def open_order(self, order: SimOrder, what_if: WhatIfFigures | None = None) -> Fields:
        listing = order.listing
        fields: Fields = [5, order.order_id, *_contract11(listing)]
        fields += [
            order.action, order.quantity, order.order_type, _price(order.limit_price), _price(order.aux_price),
            order.tif, "", order.account, "O", 0, order.order_ref, order.client_id, order.perm_id,
            order.outside_rth, False, 0, "", "", "", "", "",
        ]
        if self.version < 177:
            fields.append("")  # faProfile
        fields += [
            "", "", "", "", "", 0, "", -1,  # modelCode … exemptCode
            0, "", "", "", "", "",  # auctionStrategy, startingPrice, stockRefPrice, delta, ranges
            "", 0, 0, False, 0, 3, False, False, "",  # displaySize … nbboPriceCap
            0, 0, "", 0, "", "",  # parentId, triggerMethod, volatility, volatilityType, deltaNeutral*
            0, 0, _price(order.trail_stop), "", "", "", "",  # continuousUpdate … comboLegsDescrip
            0, 0, 0,  # combo legs, order combo legs, smart combo routing params
            "", "", "",  # scale init/subs level size, price increment
            "",  # hedgeType
            False, "", "", False, False,  # optOutSmartRouting, clearing*, notHeld, no delta-neutral contract
            "",  # algoStrategy
            False, what_if is not None, order.status,
            *_order_state(what_if),  # margins before / change / after, commission, min, max, currency, warning
            False, False,  # randomizeSize, randomizePrice
            0,  # conditions
            "", "", _price(order.trail_stop), _price(order.limit_offset), "", "", "", 0,  # adjusted order fields:
            # TWS repeats trailStopPrice here, then lmtPriceOffset
            "", "", "",  # soft dollar tier
            "", False, False, False, False,  # cashQty … usePriceMgmtAlgo
        ]
        if self.version >= 159:
            fields.append("")  # duration
        if self.version >= 160:
            fields.append("")  # postToAts
        if self.version >= 162:
            fields.append(False)  # autoCancelParent
        if self.version >= 170:
            fields += ["", "", "", "", ""]
        return fields

    def order_status(self, order: SimOrder) -> Fields:
        return [
            3, order.order_id, order.status, order.filled, order.remaining, order.avg_fill_price or 0,
            order.perm_id, 0, order.last_fill_price or 0, order.client_id, "", 0,
        ]

    def open_order_end(self) -> Fields:
        return [53, 1]

    def completed_order(self, order: SimOrder) -> Fields:
        listing = order.listing
        fields: Fields = [101, *_contract11(listing)]
        fields += [
            order.action, order.quantity, order.order_type, _price(order.limit_price), _price(order.aux_price),
            order.tif, "", order.account, "O", 0, order.order_ref, order.perm_id, order.outside_rth, False, 0,
            "", "", "", "",
        ]
        if self.version < 177:
            fields.append("")  # faProfile
        fields += [
            "", "", "", "", "", 0, "", -1,  # modelCode … exemptCode
            "", "", "", "", "", "",  # startingPrice, stockRefPrice, delta, ranges, displaySize
            False, False, "", 3, 0, "", 0, "", "",  # sweepToFill … deltaNeutralAuxPrice
            0, 0, "", "", "",  # continuousUpdate, referencePriceType, trailStopPrice, trailingPercent, legs descr
            0, 0, 0,  # combo legs, order combo legs, smart combo routing params
            "", "", "", "",  # scale fields, hedgeType
            "", "", False, False,  # clearingAccount, clearingIntent, notHeld, no delta-neutral contract
            "",  # algoStrategy
            False, order.status, False, False,
            0,  # conditions
            "", "", "", False, False, "", order.filled, 0, False, "", False, False, 0,
            ib_time(order.updated_at), order.completed_status,
        ]
        if self.version >= 170:
            fields += ["", "", "", "", ""]
        return fields

    def completed_orders_end(self) -> Fields:
        return [102]

    def exec_details(self, req_id: int, execution: SimExecution) -> Fields:
        order = execution.order
        fields: Fields = [
            11, req_id, order.order_id, *_contract11(order.listing), execution.exec_id, ib_time(execution.time),
            order.account, order.listing.exchange if order.listing.exchange != "SMART" else "ISLAND",
            "BOT" if order.action == "BUY" else "SLD", execution.shares, execution.price, order.perm_id,
            order.client_id, 0, execution.cum_qty, execution.avg_price, order.order_ref, "", "", "", 1,
        ]
        if self.version >= 178:
            fields.append(False)
        return fields

    def exec_details_end(self, req_id: int) -> Fields:
        return [55, 1, req_id]

    def commission_report(self, execution: SimExecution) -> Fields:
        return [59, 1, execution.exec_id, execution.commission, execution.order.listing.currency,
                UNSET_DOUBLE, UNSET_DOUBLE, ""]

    # --- account ---------------------------------------------------------------------------------

    def position(self, account: str, listing: Listing, quantity: Decimal, avg_cost: Decimal) -> Fields:
        return [61, 3, account, *_contract11(listing), quantity, avg_cost]

    def position_end(self) -> Fields:
        return [62, 1]

    def account_value(self, key: str, value: str, currency: str, account: str) -> Fields:
        return [6, 2, key, value, currency, account]

    def portfolio_value(self, account: str, listing: Listing, quantity: Decimal, mark: Decimal,
                        avg_cost: Decimal, unrealized: Decimal, realized: Decimal) -> Fields:
        return [
            7, 8, listing.con_id, listing.symbol, listing.sec_type, listing.last_trade_date,
            listing.strike or "0", listing.right, listing.multiplier, listing.primary_exchange, listing.currency,
            listing.local_symbol, listing.trading_class, quantity, mark,
            quantity * mark * listing.contract_multiplier, avg_cost, unrealized, realized, account,
        ]

    def account_time(self, now: datetime) -> Fields:
        return [8, 1, now.strftime("%H:%M")]

    def account_download_end(self, account: str) -> Fields:
        return [54, 1, account]

    def account_update_multi(self, req_id: int, account: str, key: str, value: str, currency: str) -> Fields:
        return [73, 1, req_id, account, "", key, value, currency]

    def account_update_multi_end(self, req_id: int) -> Fields:
        return [74, 1, req_id]

    def account_summary(self, req_id: int, account: str, tag: str, value: str, currency: str) -> Fields:
        return [63, 1, req_id, account, tag, value, currency]

    def account_summary_end(self, req_id: int) -> Fields:
        return [64, 1, req_id]

    def pnl(self, req_id: int, daily: Decimal, unrealized: Decimal, realized: Decimal) -> Fields:
        return [94, req_id, daily, unrealized, realized]

    def pnl_single(self, req_id: int, position: Decimal, daily: Decimal, unrealized: Decimal,
                   realized: Decimal, value: Decimal) -> Fields:
        return [95, req_id, position, daily, unrealized, realized, value]
