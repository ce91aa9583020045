"""strategy_of: the strategy a request acts for is its token's; naming another one is refused (403)."""

from __future__ import annotations

from aiohttp import web

from core.domain import StrategyId
from core.services.strategy_api.errors import ApiError

REQUEST_STRATEGY = web.RequestKey("strategy", StrategyId)
"""Where the server's guard keeps the strategy of the request's token, for the handlers."""


def strategy_of(request: web.Request, named: str | None = None, field: str = "strategy") -> StrategyId:
    """Return the strategy of the request's token; raise 403 if `named` (from the body or query) is another one."""
    own = request.get(REQUEST_STRATEGY)
    if own is None:
        raise ApiError(401, "unauthorized", "This request carries no strategy token.")
    if named is not None and named != own:
        raise ApiError(403, "wrong_strategy",
                       f"This token belongs to strategy {own!r}, so it cannot act as {str(named)[:64]!r}. Leave "
                       f"{field} out, or use {str(named)[:64]!r}'s own token (TradeTerm's Strategy API panel "
                       "creates one per strategy).", field)
    return StrategyId(own)
