"""core.atomic_file: every file TradeTerm reads back is replaced whole or not at all, even by a kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from core.adapters.easytrader.order_map import OrderMap
from core.atomic_file import write_atomically
from core.domain import ClientOrderId
from core.storage import SettingsStore
from tests.unit.atomic_write_child import DAY, WRITERS

REPO = Path(__file__).resolve().parents[2]


def generation_in(writer: str, path: Path) -> str:
    """Return which save ("old" or "new") the file at path holds, read the way TradeTerm reads it."""
    if writer == "helper":
        return path.read_text().split()[0]
    if writer == "settings":
        return SettingsStore(path).watchlist()[0].lower()
    if writer == "paper books":
        return str(json.loads(path.read_text())["generation"])
    if writer == "easytrader order map":
        orders = OrderMap(str(path), DAY)
        return "new" if orders.get(ClientOrderId("NEW")) is not None else "old"
    return str(json.loads(path.read_text().splitlines()[0])["log_id"]).split("-")[0]


def temporaries(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("point", ["rename", "write"])
@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_save_killed_before_its_rename_leaves_the_old_file_whole(tmp_path: Path, writer: str, point: str) -> None:
    path = tmp_path / "data" / "saved.json"
    child = subprocess.run(
        [sys.executable, "-m", "tests.unit.atomic_write_child", writer, str(path), point],
        cwd=REPO, capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.strip() == "old saved"

    assert path.read_bytes() == path.with_name("saved.json.saved").read_bytes()
    assert generation_in(writer, path) == "old"
    assert len(temporaries(path)) == 1  # the dead save's bytes went to its temporary file only

    WRITERS[writer](path, "new")  # the next save after a restart replaces it as usual
    assert generation_in(writer, path) == "new"


def test_a_save_creates_the_folder_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "books.json"
    write_atomically(path, "first")
    write_atomically(path, b"second")
    assert path.read_text() == "second"
    assert [p.name for p in path.parent.iterdir()] == ["books.json"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_saved_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "books.json"
    write_atomically(path, "{}")
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("fail", ["rename", "write"])
def test_a_failed_save_raises_and_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str
) -> None:
    path = tmp_path / "books.json"
    write_atomically(path, "old")

    def refuse(*args: object) -> int:
        raise OSError(28, "No space left on device")

    refused: Callable[..., int] = refuse
    monkeypatch.setattr(os, "replace" if fail == "rename" else "write", refused)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(path, "new")
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert temporaries(path) == []
