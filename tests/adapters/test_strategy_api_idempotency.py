"""The idempotency key's truth is the journal: a retry finds its order there, whatever else was lost or raced."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.adapters.strategy_api_world import start_api, stop_api

if TYPE_CHECKING:
    from core.ports.journal import IntakeRecord


async def test_a_retry_after_a_restart_finds_the_order_in_the_journal_alone(tmp_path: Path) -> None:
    api = await start_api(tmp_path)
    body = api.order_body(idempotency_key="intent-1")
    try:
        status, first = await api.raw("POST", "/v1/orders", body)
        assert status == 202
    finally:
        await stop_api(api)
    (tmp_path / "strategy_api.sqlite").unlink()  # the API's own file is gone: only the journal knows the key

    api = await start_api(tmp_path, restore=True)
    try:
        status, again = await api.raw("POST", "/v1/orders", body)
        assert status == 202 and again == {**first, "replayed": True}
        status, conflict = await api.raw("POST", "/v1/orders", {**body, "quantity": "11"})
        assert status == 409 and conflict["error"]["code"] == "idempotency_conflict"
        assert [o.client_order_id for o in api.world.journal.load().orders] == [first["client_order_id"]]
    finally:
        await stop_api(api)


async def test_a_key_another_request_committed_first_is_answered_with_that_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = await start_api(tmp_path)
    try:
        body = api.order_body(idempotency_key="intent-2")
        status, first = await api.raw("POST", "/v1/orders", body)
        assert status == 202
        journal = api.world.journal
        find = journal.find_intake
        looked: list[str] = []

        def missed_once(strategy: str, key: str) -> IntakeRecord | None:
            """The lookup ran before the other request's commit (a race): it saw nothing the first time."""
            looked.append(key)
            return None if len(looked) == 1 else find(strategy, key)

        monkeypatch.setattr(journal, "find_intake", missed_once)
        status, raced = await api.raw("POST", "/v1/orders", body)
        assert status == 202 and raced == {**first, "replayed": True}, raced
        assert len(journal.load().orders) == 1 and len(api.world.session.oms.orders()) == 1
        assert len(api.world.queue.rows()) == 1, "one order waits for approval, not two"
    finally:
        await stop_api(api)
