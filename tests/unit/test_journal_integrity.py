"""The journal's full integrity check: at open unless the last session closed cleanly, else after the first paint.

A clean close lets the next open skip SQLite's full check (it reads the whole file: seconds for a long history)
and run it in a worker thread instead; kill -9, a file changed outside TradeTerm, or a check older than a week
bring it back to the open. Damage found after the start halts every account and stops every write.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import TradingState, utc_now
from core.ports.journal import JournalError
from core.services.journal_check import check_journal_later
from core.storage.journal import SqliteJournal
from core.storage.journal_integrity import CORRUPT_WHAT_TO_DO
from tests.unit.held_world import A1, buy, close_world, open_world
from tests.unit.journal_files import history, meta, wreck

REPO = Path(__file__).resolve().parents[2]
@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite"


async def test_after_a_clean_close_the_open_defers_the_full_check_which_runs_after_and_passes(path: Path) -> None:
    history(path)
    assert meta(path)["clean_close"]["size"] == path.stat().st_size

    world = await open_world(path.parent, journal=SqliteJournal(path))
    try:
        assert world.journal.open_check.full is False
        opened = meta(path)
        assert opened["last_open"]["full_check"] is False
        assert "clean_close" not in opened  # deleted by the open's first write: a crash now means a full check
        before = opened["last_full_check"]["at"]

        assert await check_journal_later(world.journal, world.session.risk, world.bus) is True
        checked = meta(path)["last_full_check"]
        assert checked["where"] == "after the first paint" and checked["result"] == "ok"
        assert str(checked["at"]) > str(before)
        assert world.session.account(A1).trading is TradingState.ACTIVE
    finally:
        await close_world(world)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_after_kill_9_the_next_open_runs_the_full_check(path: Path) -> None:
    history(path)
    script = textwrap.dedent(
        """
        import os, signal, sys
        from core.domain import OrderSubmitted
        from core.storage import SqliteJournal
        from tests.factories import make_instrument, make_order

        journal = SqliteJournal(sys.argv[1])
        assert journal.open_check.full is False, journal.open_check
        order = make_order()
        order.apply(OrderSubmitted(order.client_order_id))
        journal.record_order(order)
        print("committed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout.strip() == "committed"
    with SqliteJournal(path) as journal:
        assert journal.open_check.full is True
        assert "did not close cleanly" in journal.open_check.why
        assert meta(path)["last_open"]["full_check"] is True

    # and after a kill, damage that changes neither size nor mtime is refused at open
    history(path, orders=0)  # a clean close first, then a session killed again
    again = subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO, capture_output=True, text=True,
                           timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)
    assert again.returncode == -signal.SIGKILL, again.stderr
    damaged = wreck(path)
    with pytest.raises(JournalError, match="corrupt"):
        SqliteJournal(path)
    assert path.read_bytes() == damaged


@pytest.mark.parametrize("damage", [False, True], ids=["touched", "written"])
def test_a_file_changed_outside_tradeterm_after_a_clean_close_is_checked_at_open(path: Path, damage: bool) -> None:
    history(path)
    if damage:
        damaged = wreck(path, keep_mtime=False)
        with pytest.raises(JournalError, match="corrupt") as refused:
            SqliteJournal(path)
        assert CORRUPT_WHAT_TO_DO in str(refused.value)
        assert path.read_bytes() == damaged
        return
    stamped = path.stat().st_mtime_ns
    os.utime(path, ns=(stamped, stamped + 1_000_000))  # touch: same bytes, another time
    with SqliteJournal(path) as journal:
        assert journal.open_check.full is True
        assert "modification time changed" in journal.open_check.why


def test_a_full_check_older_than_a_week_runs_at_open(path: Path) -> None:
    history(path)
    with SqliteJournal(path, now=lambda: utc_now() + timedelta(days=8)) as journal:
        assert journal.open_check.full is True
        assert "older than 7 days" in journal.open_check.why


async def test_damage_found_after_the_start_halts_every_account_and_nothing_more_is_written(path: Path) -> None:
    history(path)
    damaged = wreck(path)  # bit rot: size and mtime as the clean close left them

    world = await open_world(path.parent, journal=SqliteJournal(path))
    try:
        assert world.journal.open_check.full is False  # opened at once: the damage is not seen yet
        assert world.session.account(A1).trading is TradingState.ACTIVE

        assert await check_journal_later(world.journal, world.session.risk, world.bus) is False
        state, reason = world.session.risk.state(A1)
        assert state is TradingState.HALTED
        assert "is corrupt" in reason and CORRUPT_WHAT_TO_DO in reason
        (error,) = [log for log in world.logs if log.level == "ERROR" and "corrupt" in log.text]
        assert str(path) in error.text and CORRUPT_WHAT_TO_DO in error.text and "halted" in error.text

        with pytest.raises(JournalError, match="corrupt"):  # not journaled (not even as refused), so not sent
            await world.session.submit(buy(price=Decimal("1")))
        assert (await world.broker.snapshot()).orders == ()
        world.session.risk.resume(None)  # Resume lifts the kill switch, not this
        assert world.session.risk.state(A1)[0] is TradingState.HALTED
        with pytest.raises(JournalError, match="corrupt"):
            world.journal.record_audit("trader", "note", "anything")
    finally:
        await close_world(world)
    assert path.read_bytes() == damaged  # not even the close's checkpoint touched it
    assert Path(f"{path}-wal").exists()  # what was committed before stays in the log, not copied into the file
    with pytest.raises(JournalError, match="corrupt"):  # the next start refuses it at open
        SqliteJournal(path)
