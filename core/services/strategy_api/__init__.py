"""The local HTTP API through which automated strategies post orders for approval.

`StrategyApiServer` is loaded on first use: it brings in aiohttp, a quarter of the application's
imports, which the window does not need before its first paint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.services.strategy_api.token import StrategyTokens

if TYPE_CHECKING:
    from core.services.strategy_api.server import StrategyApiServer

__all__ = ["StrategyApiServer", "StrategyTokens"]


def __getattr__(name: str) -> object:
    if name == "StrategyApiServer":
        from core.services.strategy_api.server import StrategyApiServer

        return StrategyApiServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
