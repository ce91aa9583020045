"""ChaosKiteSimulator: the Kite simulator plus one-shot cuts of the HTTP connection under a kind of order call.

`cuts[kind] = after`: the next call of that kind ("place", "modify", "cancel", or "history" for
GET /orders/{id}) has its connection aborted with no answer, before Kite acts (after=False: it never happened)
or after (after=True: done at Kite, the answer lost). `spare[kind]` calls of that kind pass before the cut;
`cut_done` counts the cuts made, per kind.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiohttp import web

from tests.sims.kite.server import Handler, KiteSimulator


class ChaosKiteSimulator(KiteSimulator):
    """The Kite simulator, plus one-shot cuts of the HTTP connection under a kind of call (before/after Kite acts)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cuts: dict[str, bool] = {}
        self.spare: Counter[str] = Counter()
        self.cut_done: Counter[str] = Counter()

    @staticmethod
    def _kind(request: web.Request) -> str | None:
        parts = request.path.strip("/").split("/")
        if parts[0] != "orders":
            return None
        if request.method == "POST":
            return "place"
        if request.method == "PUT":
            return "modify"
        if request.method == "DELETE":
            return "cancel"
        if request.method == "GET" and len(parts) == 2:
            return "history"
        return None

    @web.middleware
    async def _envelope(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        kind = self._kind(request)
        if kind is None or kind not in self.cuts:
            return await super()._envelope(request, handler)
        if self.spare[kind] > 0:  # calls of this kind let through before the cut
            self.spare[kind] -= 1
            return await super()._envelope(request, handler)
        after = self.cuts.pop(kind)
        response = await super()._envelope(request, handler) if after else web.Response(status=503)
        if request.transport is not None:
            request.transport.abort()
        self.cut_done[kind] += 1
        return response
