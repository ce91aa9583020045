"""LatePlaceKiteSimulator: Kite takes a place request after the client gave up on its answer.

Real Kite's gateway can hold a request past the client's timeout and its OMS then acts on it: the client saw a
timeout, Kite works the order. `late_place_s = s`: the next POST /orders is read at once (Kite has the request)
and acted on s seconds later, whatever became of the client's connection meanwhile. `slow_place = (act_s, end_s)`:
the next POST /orders is answered 200 at once and its body dribbles out (a space every TRICKLE_S, so no read times
out); Kite acts act_s after the request came and the answer ends end_s after: the client's call is still running.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tests.sims.kite.cuts import ChaosKiteSimulator
from tests.sims.kite.server import Handler

TRICKLE_S = 0.2


class LatePlaceKiteSimulator(ChaosKiteSimulator):
    """The Kite simulator, plus one place request taken `late_place_s` seconds after it arrived."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.late_place_s: float | None = None
        self.late_places_taken = 0
        self.slow_place: tuple[float, float] | None = None

    @web.middleware
    async def _envelope(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        placing = request.method == "POST" and request.path.startswith("/orders/")
        if placing and self.slow_place is not None:
            return await self._dribble(request, handler)
        late = self.late_place_s
        if late is None or not placing:
            return await super()._envelope(request, handler)
        self.late_place_s = None
        await request.read()  # Kite has the whole request: a client that hangs up now cannot take it back
        await asyncio.sleep(late)
        self.late_places_taken += 1
        return await super()._envelope(request, handler)


    async def _dribble(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        assert self.slow_place is not None
        (act_s, end_s), self.slow_place = self.slow_place, None
        await request.read()
        loop = asyncio.get_running_loop()
        started = loop.time()
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        await response.prepare(request)
        while loop.time() - started < act_s:
            await response.write(b" ")
            await asyncio.sleep(TRICKLE_S)
        answer = await super()._envelope(request, handler)
        self.late_places_taken += 1
        while loop.time() - started < end_s:
            await response.write(b" ")
            await asyncio.sleep(TRICKLE_S)
        assert isinstance(answer, web.Response) and isinstance(answer.body, bytes)
        await response.write(answer.body)
        await response.write_eof()
        return response
