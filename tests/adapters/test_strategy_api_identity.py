"""Each strategy's token fixes who it is: it cannot post as, see or cancel another strategy; revoked tokens get 401."""

from __future__ import annotations

import asyncio

import pytest

from core.domain import OrderStatus, StrategyId
from core.services.strategies import StrategyConfig
from core.services.strategy_api import StrategyTokens
from core.storage.memory_keyring import MemoryKeyring
from core.storage.secrets import SecretStore
from core.strategy_client import ApiRefused, TradeTermClient
from tests.adapters.strategy_api_world import (
    RETIRED_TOKEN,
    TOKENS,
    ApiWorld,
    api_fixture,
    error_of,
)

api = api_fixture()


def bearer(strategy: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[strategy]}"}


@pytest.mark.parametrize("other_name", ["tight-2", "other", "momo.v2"])
async def test_a_token_cannot_post_as_another_strategy(api: ApiWorld, other_name: str) -> None:
    status, body = await api.raw("POST", "/v1/orders", api.order_body(strategy=other_name), bearer("momo"))
    assert status == 403, body
    error = error_of(body)
    assert error["code"] == "wrong_strategy" and error["field"] == "strategy"
    assert "'momo'" in str(error["message"]) and "Strategy API panel" in str(error["message"])
    status, body = await api.raw("POST", "/v1/orders/preview", api.order_body(strategy=other_name), bearer("momo"))
    assert status == 403 and error_of(body)["code"] == "wrong_strategy"
    assert api.world.session.oms.orders() == []


async def test_the_token_names_the_strategy_whose_limits_apply(api: ApiWorld) -> None:
    """A throttled strategy cannot return under a new name: its token is still its own."""
    api.world.strategies.put(StrategyConfig(StrategyId("momo"), api.world.strategies.started_at, rate_per_minute=1))
    unnamed = api.order_body(idempotency_key="a")
    del unnamed["strategy"]
    status, body = await api.raw("POST", "/v1/orders", unnamed, bearer("momo"))
    assert status == 202, body
    (order,) = api.world.session.oms.orders()
    assert order.strategy_id == "momo"
    status, _ = await api.raw("POST", "/v1/orders", api.order_body(idempotency_key="b", quantity="2"), bearer("momo"))
    assert status == 429
    renamed = api.order_body(idempotency_key="c", quantity="3", strategy="momo.v2")
    status, _ = await api.raw("POST", "/v1/orders", renamed, bearer("momo"))
    assert status == 403 and len(api.world.session.oms.orders()) == 1


async def test_a_strategy_cannot_see_or_cancel_another_strategys_orders(api: ApiWorld) -> None:
    theirs = await asyncio.to_thread(api.client("other").submit, "AAPL", "BUY", 1, "LMT", limit_price=api.world.ask())
    mine = await asyncio.to_thread(api.client("momo").submit, "AAPL", "BUY", 2, "LMT", limit_price=api.world.ask())
    coid = theirs["client_order_id"]

    status, listed = await api.raw("GET", "/v1/orders", headers=bearer("momo"))
    assert status == 200 and [o["client_order_id"] for o in listed["orders"]] == [mine["client_order_id"]]
    status, body = await api.raw("GET", "/v1/orders?strategy=other", headers=bearer("momo"))
    assert status == 403 and error_of(body)["code"] == "wrong_strategy"

    missing = await api.raw("GET", "/v1/orders/NOSUCH", headers=bearer("momo"))
    for method in ("GET", "DELETE"):
        status, body = await api.raw(method, f"/v1/orders/{coid}", headers=bearer("momo"))
        assert status == 404 and error_of(body)["code"] == "not_found", (method, body)
        assert error_of(body)["message"] == str(error_of(missing[1])["message"]).replace("NOSUCH", coid)
    order = api.world.session.oms.get(coid)
    assert order is not None and order.status is OrderStatus.PENDING_APPROVAL
    assert [p.order.client_order_id for p in api.world.queue.pending()] == [coid, mine["client_order_id"]]

    status, body = await api.raw("GET", f"/v1/orders/{coid}", headers=bearer("other"))
    assert status == 200 and body["strategy"] == "other"
    status, body = await api.raw("DELETE", f"/v1/orders/{coid}", headers=bearer("other"))
    assert status == 200 and body["status"] == "CANCELED"


async def test_a_token_cannot_open_another_strategys_event_stream(api: ApiWorld) -> None:
    status, body = await api.raw("GET", "/v1/events?strategy=other", headers=bearer("momo"))
    assert status == 403 and error_of(body)["code"] == "wrong_strategy"


async def test_a_revoked_token_gets_401_json_and_a_new_one_works(api: ApiWorld) -> None:
    assert api.tokens.revoke("momo")
    status, body = await api.raw("GET", "/v1/orders", headers=bearer("momo"))
    assert status == 401 and error_of(body)["code"] == "unauthorized"
    assert "revoked" in str(error_of(body)["message"]) and "Strategy API panel" in str(error_of(body)["message"])
    status, _ = await api.raw("POST", "/v1/orders", api.order_body(), bearer("momo"))
    assert status == 401 and api.world.session.oms.orders() == []
    fresh = api.tokens.create("momo")
    status, _ = await api.raw("GET", "/v1/orders", headers={"Authorization": f"Bearer {fresh}"})
    assert status == 200


async def test_the_retired_shared_token_gets_401_saying_what_to_do(api: ApiWorld) -> None:
    status, body = await api.raw("POST", "/v1/orders", api.order_body(), {"Authorization": f"Bearer {RETIRED_TOKEN}"})
    assert status == 401
    error = error_of(body)
    assert error["code"] == "token_retired" and "Create token" in str(error["message"])
    assert RETIRED_TOKEN not in str(body) and api.world.session.oms.orders() == []


async def test_the_client_without_a_strategy_name_acts_for_its_tokens_strategy(api: ApiWorld) -> None:
    client = TradeTermClient(api.server.url, TOKENS["other"], account="PAPER-1")
    queued = await asyncio.to_thread(client.submit, "AAPL", "BUY", 1, "LMT", limit_price=api.world.ask())
    order = api.world.session.oms.get(queued["client_order_id"])
    assert order is not None and order.strategy_id == "other"
    listed = await asyncio.to_thread(client.status)
    assert [o["client_order_id"] for o in listed["orders"]] == [queued["client_order_id"]]
    misnamed = TradeTermClient(api.server.url, TOKENS["other"], strategy="momo", account="PAPER-1")
    with pytest.raises(ApiRefused) as refused:
        await asyncio.to_thread(misnamed.submit, "AAPL", "BUY", 1, "LMT", limit_price=api.world.ask())
    assert refused.value.status == 403 and "'other'" in refused.value.message


def test_tokens_live_in_the_keyring_per_strategy_and_are_shown_masked() -> None:
    store = SecretStore("tradeterm-test", backend=MemoryKeyring())
    tokens = StrategyTokens(store, environ={"TRADETERM_API_TOKEN": "old-from-env"})
    tokens.load([])
    tight = tokens.create("tight")
    momo = tokens.create("momo")
    assert store.get("api/strategy/tight") == tight and store.get("api/strategy/momo") == momo and tight != momo
    assert tokens.strategy_for(tight) == "tight" and tokens.strategy_for(momo) == "momo"
    assert tokens.strategy_for(tight + "x") is None and tokens.strategy_for("") is None
    assert tokens.masked("tight").endswith(tight[-4:]) and tight not in tokens.masked("tight")
    assert tokens.is_retired("old-from-env") and tokens.strategy_for("old-from-env") is None
    reloaded = StrategyTokens(store, environ={})
    reloaded.load(["tight", "momo", "never-made"])
    assert reloaded.names() == ["momo", "tight"] and reloaded.strategy_for(momo) == "momo"
    assert tokens.revoke("tight") and store.get("api/strategy/tight") is None and tokens.strategy_for(tight) is None
    assert not tokens.revoke("tight")
    with pytest.raises(ValueError, match="not a strategy name"):
        tokens.create("a/b")


async def test_a_revoked_tokens_event_stream_ends_before_the_next_event(api: ApiWorld) -> None:
    client = api.client("momo")
    queued = await asyncio.to_thread(client.submit, "AAPL", "BUY", 1, "LMT", limit_price=api.world.ask())
    stream = client.events(timeout=5)
    reader = asyncio.ensure_future(asyncio.to_thread(list, stream))
    await asyncio.sleep(0.2)
    api.tokens.revoke("momo")
    outcome = await api.world.queue.approve(api.world.session.oms.orders()[0].client_order_id)
    assert outcome.approved
    events = await asyncio.wait_for(reader, 10)
    assert events == [], f"a revoked token still received {events} about {queued['client_order_id']}"
