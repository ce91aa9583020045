"""LatePlaceKiteSimulator: Kite takes a place request after the client gave up on its answer.

Real Kite's gateway can hold a request past the client's timeout and its OMS then acts on it: the client saw a
timeout, Kite works the order. `late_place_s = s`: the next POST /orders is read at once (Kite has the request)
and acted on s seconds later, whatever became of the client's connection meanwhile.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tests.sims.kite.cuts import ChaosKiteSimulator
from tests.sims.kite.server import Handler


class LatePlaceKiteSimulator(ChaosKiteSimulator):
    """The Kite simulator, plus one place request taken `late_place_s` seconds after it arrived."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.late_place_s: float | None = None
        self.late_places_taken = 0

    @web.middleware
    async def _envelope(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        late = self.late_place_s
        if late is None or request.method != "POST" or not request.path.startswith("/orders/"):
            return await super()._envelope(request, handler)
        self.late_place_s = None
        await request.read()  # Kite has the whole request: a client that hangs up now cannot take it back
        await asyncio.sleep(late)
        self.late_places_taken += 1
        return await super()._envelope(request, handler)
