"""`tradeterm export` as a trader runs it: no window, while TradeTerm holds the journal, into a file or not at all."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from core.domain import AccountId, Side
from core.storage import SqliteJournal
from tests.factories import make_fill

TRADETERM = Path(sys.executable).with_name("tradeterm")
DAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # No display and a platform Qt does not have: a started Qt would abort the process.
    env = {**os.environ, "QT_QPA_PLATFORM": "no-such-platform", "TZ": "UTC"}
    env.pop("DISPLAY", None)
    return subprocess.run([str(TRADETERM), "export", *args], capture_output=True, text=True, timeout=60, env=env)


def test_fills_of_a_date_range_are_exported_while_tradeterm_holds_the_journal(tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:  # the running TradeTerm's lock is held meanwhile
        for day, account in ((0, "A"), (1, "A"), (1, "B"), (2, "A")):
            journal.record_fill(make_fill(trade_id=f"T{day}{account}", account_id=AccountId(account),
                                          side=Side.BUY, quantity="3", price="10.5", commission="0.25",
                                          ts=DAY + timedelta(days=day)))
        target = tmp_path / "out.csv"
        result = run("--what", "fills", "--from", "2026-03-03", "--to", "2026-03-04", "--account", "A",
                     "--csv", str(target), "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Wrote 2 fill(s)" in result.stdout
    with target.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(r["trade_id"], r["account"], Decimal(r["price"])) for r in rows] == [
        ("T1A", "A", Decimal("10.5")), ("T2A", "A", Decimal("10.5"))]


def test_a_reversed_range_and_an_unwritable_path_are_refused_and_write_nothing(tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        journal.record_fill(make_fill(ts=DAY))
    reversed_range = run("--what", "orders", "--from", "2026-03-05", "--to", "2026-03-01",
                         "--csv", str(tmp_path / "r.csv"), "--data-dir", str(tmp_path))
    assert reversed_range.returncode == 2 and "reversed" in reversed_range.stderr
    no_folder = run("--what", "pnl", "--csv", str(tmp_path / "missing" / "p.csv"), "--data-dir", str(tmp_path))
    assert no_folder.returncode == 1
    assert "does not exist" in no_folder.stderr and str(tmp_path / "missing") in no_folder.stderr
    bad_date = run("--what", "orders", "--from", "5/3/2026", "--csv", str(tmp_path / "b.csv"))
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    no_journal = run("--what", "audit", "--csv", str(tmp_path / "a.csv"), "--data-dir", str(tmp_path / "empty"))
    assert no_journal.returncode == 1 and "no journal" in no_journal.stderr
    assert not (tmp_path / "empty").exists(), "an export creates no data folder"
    one_account_audit = run("--what", "audit", "--account", "A", "--csv", str(tmp_path / "u.csv"),
                            "--data-dir", str(tmp_path))
    assert one_account_audit.returncode == 2 and "--account does not apply" in one_account_audit.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv") == []
