"""Unusable settings and state files: the `tradeterm` command refuses each one by name, with exit 2.

Each case is a file a trader (or a crash, or a sync tool) could leave in the data folder. The command
must print one line naming the file and the field, exit 2 before it opens a window, and leave the
file exactly as it was (compared by hash).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

TRADETERM = Path(sys.executable).with_name("tradeterm")
ZONED = "2026-01-05T09:30:00+00:00"


def run(data_dir: Path, *prefix: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [*prefix, str(TRADETERM), "--data-dir", str(data_dir), "--screenshot", str(data_dir / "s.png"),
               "--after", "0"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)


def digest(path: Path) -> str:
    """Hash a file's bytes, or a folder's names and bytes."""
    if path.is_dir():
        return hashlib.sha256(
            json.dumps({p.name: digest(p) for p in sorted(path.iterdir())}).encode()
        ).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def settings(**document: object) -> Callable[[Path], Path]:
    def write(data_dir: Path) -> Path:
        path = data_dir / "settings.json"
        path.write_text(json.dumps({"version": 1, **document}))
        return path
    return write


def strategy(**entry: object) -> Callable[[Path], Path]:
    return settings(strategies={"mean-rev": entry})


def paper(**values: object) -> dict[str, object]:
    return {"id": "PAPER-1", "kind": "paper", "settings": values}


def garbage(name: str, content: bytes) -> Callable[[Path], Path]:
    def write(data_dir: Path) -> Path:
        path = data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path
    return write


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], Path]
    """Write the unusable file into the data folder; return its path."""
    says: tuple[str, ...]
    """What the message names besides the file: the field and what is wrong."""


CASES = {
    "strategy-naive-activated_at": Case(strategy(activated_at="2026-01-05T09:30:00"),
                                        ("strategies.mean-rev.activated_at", "time zone")),
    "strategy-garbage-activated_at": Case(strategy(activated_at="yesterday"),
                                          ("strategies.mean-rev.activated_at", "'yesterday'")),
    "strategy-numeric-activated_at": Case(strategy(activated_at=1767605400),
                                          ("strategies.mean-rev.activated_at", "1767605400")),
    "strategy-text-rate_per_minute": Case(strategy(activated_at=ZONED, rate_per_minute="fast"),
                                          ("strategies.mean-rev.rate_per_minute", "'fast'")),
    "strategy-fractional-rate_per_minute": Case(strategy(activated_at=ZONED, rate_per_minute=1.5),
                                                ("strategies.mean-rev.rate_per_minute", "1.5")),
    "strategy-negative-expiry_s": Case(strategy(activated_at=ZONED, expiry_s=-5),
                                       ("strategies.mean-rev.expiry_s", "-5")),
    "strategy-text-enabled": Case(strategy(activated_at=ZONED, enabled="no"),
                                  ("strategies.mean-rev.enabled", "'no'")),
    "strategy-a-list": Case(settings(strategies={"mean-rev": [ZONED]}), ("strategies.mean-rev", "object")),
    "strategies-a-list": Case(settings(strategies=["mean-rev"]), ("strategies", "object")),
    "account-unknown-kind": Case(settings(accounts=[{"id": "X-1", "kind": "robinhood", "settings": {}}]),
                                 ("accounts[0].kind", "'robinhood'", "paper")),
    "account-negative-tick_interval_s": Case(settings(accounts=[paper(tick_interval_s=-1)]),
                                             ("accounts[0].settings", "tick_interval_s", "-1")),
    "account-unknown-setting": Case(settings(accounts=[paper(tick_secs=1)]),
                                    ("accounts[0].settings", "tick_secs")),
    "account-duplicate-id": Case(settings(accounts=[paper(), paper(seed=2)]),
                                 ("accounts[1].id", "'PAPER-1'", "accounts[0]")),
    "api_port-text": Case(settings(api_port="abc"), ("api_port", "'abc'")),
    "api_port-null": Case(settings(api_port=None), ("api_port", "None")),
    "api_port-fraction": Case(settings(api_port=1.5), ("api_port", "1.5")),
    "api_port-true": Case(settings(api_port=True), ("api_port", "True")),
    "api_port-too-big": Case(settings(api_port=70000), ("api_port", "70000")),
    "watchlist-text": Case(settings(watchlist="AAPL MSFT"), ("watchlist", "'AAPL MSFT'")),
    "ticket-confirm-text": Case(settings(ticket={"confirm": "yes"}), ("ticket.confirm", "'yes'")),
    "window-geometry-garbage": Case(settings(window={"geometry": "not base64!"}), ("window.geometry", "base64")),
    "approval_alerts-text": Case(settings(approval_alerts="no"), ("approval_alerts", "'no'")),
    "email-not-an-object": Case(settings(email="smtp.example.com"), ("email", "'smtp.example.com'")),
    "risk-override-of-unknown-account": Case(
        settings(accounts=[paper()], risk={"accounts": {"PAPER-2": {"max_order_qty": "5"}}}),
        ("risk.accounts", "'PAPER-2'", "PAPER-1"),
    ),
    "corrupt-strategy-api-store": Case(garbage("strategy_api.sqlite", b"not a database" * 300), ("corrupt",)),
    "corrupt-paper-state": Case(garbage("paper/PAPER-1.json", b"{ not json"), ("paper account",)),
    "empty-journal": Case(garbage("journal.sqlite", b""), ("empty", "move it away")),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_an_unusable_file_is_refused_by_file_and_field_and_left_untouched(tmp_path: Path, case: Case) -> None:
    path = case.make(tmp_path)
    before = digest(path)
    result = run(tmp_path)
    assert (result.returncode, "Traceback" not in result.stderr) == (2, True), result.stderr
    refusal = [line for line in result.stderr.splitlines() if line.startswith("tradeterm: ")]
    assert len(refusal) == 1, result.stderr
    assert str(path) in refusal[0], refusal[0]
    for words in case.says:
        assert words in refusal[0], refusal[0]
    assert digest(path) == before
    assert not (tmp_path / "s.png").exists()


def test_a_data_dir_that_is_a_file_is_refused_by_name_and_left_untouched(tmp_path: Path) -> None:
    data_dir = tmp_path / "TradeTerm"
    data_dir.write_text("notes")
    result = run(data_dir)
    assert (result.returncode, "Traceback" not in result.stderr) == (2, True), result.stderr
    assert f"tradeterm: The data folder {data_dir} is a file" in result.stderr
    assert data_dir.read_text() == "notes"


def _without_root_override() -> tuple[str, ...]:
    """A command prefix under which file permissions apply: root ignores a folder's missing write bit."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made read-only for root")
    caps = "-dac_override,-dac_read_search"
    return (setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}")


def test_a_read_only_paper_folder_is_refused_by_name_and_its_books_left_untouched(tmp_path: Path) -> None:
    as_user = _without_root_override()
    first = run(tmp_path)
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "paper"
    before = digest(folder)
    folder.chmod(0o555)
    try:
        (tmp_path / "s.png").unlink()
        result = run(tmp_path, *as_user)
        assert (result.returncode, "Traceback" not in result.stderr) == (2, True), result.stderr
        refusal = [line for line in result.stderr.splitlines() if line.startswith("tradeterm: ")]
        assert len(refusal) == 1 and str(folder / "PAPER-1.json") in refusal[0], result.stderr
        assert "writable" in refusal[0]
        assert digest(folder) == before
    finally:
        folder.chmod(0o755)


def test_a_settings_file_with_a_utf8_bom_is_read_as_written(tmp_path: Path) -> None:
    """Windows Notepad may save UTF-8 with a byte-order mark; the settings in it are used, not refused."""
    path = tmp_path / "settings.json"
    document = {"version": 1, "theme": "dark", "accounts": [{"id": "PAPER-7", "kind": "paper", "settings": {}}],
                "watchlist": ["MSFT"]}
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document).encode())
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "s.png").exists()
    kept = json.loads(path.read_text(encoding="utf-8-sig"))
    assert (kept["theme"], kept["accounts"], kept["watchlist"]) == ("dark", document["accounts"], ["MSFT"])
