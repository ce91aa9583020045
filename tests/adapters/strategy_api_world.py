"""The strategy API served for real on 127.0.0.1:0 over a paper session, plus a raw HTTP helper.

Three strategies have their own tokens in the (in-memory) keyring; the retired shared token is there too.
"""

from __future__ import annotations

import asyncio
import http.client
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.domain import StrategyId
from core.services.strategies import StrategyConfig
from core.services.strategy_api import StrategyApiServer, StrategyTokens
from core.storage.memory_keyring import MemoryKeyring
from core.storage.secrets import SecretStore
from core.strategy_client import TradeTermClient
from tests.unit.approvals_world import LiveClock, World, make_world

TOKENS = {"momo": "t0ken-for-tests-only", "other": "other-strategy-t0ken", "hku-ma": "hku-ma-t0ken-for-tests"}
TOKEN = TOKENS["momo"]
RETIRED_TOKEN = "the-old-shared-t0ken"


@dataclass
class ApiWorld:
    world: World
    server: StrategyApiServer
    tokens: StrategyTokens
    audit: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.port

    def client(self, strategy: str = "momo") -> TradeTermClient:
        """Return a client holding strategy's own token (the strategy is implied by it, not named)."""
        return TradeTermClient(self.server.url, TOKENS[strategy], account="PAPER-1")

    def order_body(self, **changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "strategy": "momo", "account": "PAPER-1", "symbol": "AAPL", "side": "BUY", "quantity": "10",
            "order_type": "LMT", "limit_price": str(self.world.ask()), "tif": "DAY",
            "signal_time": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(), "idempotency_key": "k-1",
        }
        body.update(changes)
        return {k: v for k, v in body.items() if v is not None}

    async def raw(self, method: str, path: str, body: bytes | dict[str, Any] | None = None,
                  headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """Send one request over a real socket with exactly these headers; return (status, decoded JSON or text)."""
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        sent = {"Host": f"127.0.0.1:{self.port}", "Authorization": f"Bearer {TOKEN}",
                "Content-Type": "application/json"}
        sent.update(headers or {})
        sent = {k: v for k, v in sent.items() if v != ""}

        def call() -> tuple[int, Any]:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                connection.request(method, path, body=data, headers=sent)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                try:
                    return response.status, json.loads(text)
                except ValueError:
                    return response.status, text
            finally:
                connection.close()

        return await asyncio.to_thread(call)


def api_tokens() -> StrategyTokens:
    """Each strategy's token of TOKENS (and the retired shared one), kept in an in-memory keyring."""
    secrets = SecretStore("tradeterm-test", backend=MemoryKeyring())
    for strategy, token in TOKENS.items():
        secrets.set(f"api/strategy/{strategy}", token)
    secrets.set("api/token", RETIRED_TOKEN)
    tokens = StrategyTokens(secrets, environ={})
    tokens.load(TOKENS)
    return tokens


def strategy_config(auto_approve: bool, strategy: str = "momo") -> StrategyConfig:
    """The strategy's rules, active since an hour ago, its orders approved by a person or (auto_approve) at once."""
    return StrategyConfig(StrategyId(strategy), datetime.now(UTC) - timedelta(hours=1), auto_approve=auto_approve)


async def start_api(tmp_path: Path, *, restore: bool = False, configs: list[StrategyConfig] | None = None) -> ApiWorld:
    """Serve the API over a paper session whose files are in tmp_path (restore: as a restarted TradeTerm would)."""
    world = await make_world(tmp_path, clock=LiveClock(), restore=restore, configs=configs)
    tokens = api_tokens()
    audit: list[tuple[str, str, str]] = []
    server = StrategyApiServer(world.queue, tokens, audit=lambda *entry: audit.append(entry))
    await server.start()
    return ApiWorld(world, server, tokens, audit)


async def stop_api(api: ApiWorld) -> None:
    await api.server.stop()
    await api.world.close()
