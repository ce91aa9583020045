"""GET /v1/accounts and GET /v1/instruments/search: what a strategy can trade where, as the search box finds it."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from core.ports.symbol_search import InstrumentMatch
from core.services.session import TradingSession
from core.services.strategy_api.errors import bad_field
from core.services.strategy_api.shapes import dec
from core.services.symbol_search import DEFAULT_LIMIT, SymbolSearchService

MAX_LIMIT = 200


def match_json(match: InstrumentMatch) -> dict[str, Any]:
    """Return one search result as the API shows it (decimals as strings, dates as YYYY-MM-DD)."""
    return {
        "account": str(match.account_id), "symbol": match.symbol, "name": match.name, "venue": match.venue,
        "currency": match.currency, "asset_class": match.kind.value, "type": match.kind_text, "root": match.root,
        "expiry": match.expiry.isoformat() if match.expiry is not None else None, "right": match.right or None,
        "strike": dec(match.strike), "contract_id": match.contract_id or None, "tick_size": dec(match.tick_size),
        "lot_size": dec(match.lot_size), "multiplier": dec(match.multiplier),
    }


class InstrumentRoutes:
    """The accounts list and the symbol search, over the session (searching every connected account)."""

    def __init__(self, session: TradingSession, search: SymbolSearchService | None = None) -> None:
        self.session = session
        self.search_service = search or SymbolSearchService(session)

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/v1/accounts", self.accounts)
        app.router.add_get("/v1/instruments/search", self.search)

    async def accounts(self, request: web.Request) -> web.Response:
        rows = []
        for account_id in self.session.account_ids():
            status = self.session.view.status(account_id)
            cash = self.session.portfolio.cash(account_id)
            rows.append({
                "account": str(account_id), "broker": status.kind,
                "currency": cash[0].currency if len(cash) == 1 else None,  # several: see currencies
                "currencies": sorted(m.currency for m in cash),
                "connection": status.connection.value, "trading": status.trading.value, "reason": status.reason,
            })
        return web.json_response({"accounts": rows})

    async def search(self, request: web.Request) -> web.Response:
        query = request.query.get("q", "")
        if not query.strip():
            raise bad_field("q", "Send the search as ?q=<symbol or name>, e.g. ?q=AAPL or ?q=NIFTY FUT.")
        limit_text = request.query.get("limit", str(DEFAULT_LIMIT))
        if not limit_text.isascii() or not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
            raise bad_field("limit", f"limit must be a whole number from 1 to {MAX_LIMIT}, got {limit_text[:20]!r}.")
        try:
            result = await self.search_service.search(query, int(limit_text))
        except ValueError as exc:
            raise bad_field("q", str(exc)) from None
        return web.json_response({"query": query, "matches": [match_json(m) for m in result.matches],
                                  "notes": list(result.notes), "message": result.message})
