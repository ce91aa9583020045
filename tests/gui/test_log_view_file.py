"""What the Log dock shows and writes to the log file: every line, in order, with no secret, whoever said it."""

from __future__ import annotations

import logging
from pathlib import Path

from core.services.log_redaction import MASK, SECRETS
from gui.log_file import LOG_FILE, close_log_file, open_log_file
from gui.widgets.log_view import LogView

SECRET = "dock-canary-5f1c9e27"


def test_a_secret_in_a_line_the_window_adds_itself_is_masked_in_the_dock_and_file(tmp_path: Path, qapp: object) -> None:
    SECRETS.add(SECRET)
    handler = open_log_file(tmp_path)
    try:
        view = LogView()
        view.add("ERROR", f"Symbol search failed: the broker answered 401 for key {SECRET}")
        shown = view.lines()
    finally:
        close_log_file(handler)
    assert shown[-1].endswith(f"  ERROR: Symbol search failed: the broker answered 401 for key {MASK}"), shown
    written = (tmp_path / LOG_FILE).read_text(encoding="utf-8")
    assert SECRET not in written and f"ERROR Symbol search failed: the broker answered 401 for key {MASK}" in written


def test_a_frames_lines_are_in_the_log_file_in_order_once_the_dock_shows_them(tmp_path: Path, qapp: object) -> None:
    handler = open_log_file(tmp_path)
    try:
        view = LogView()
        for n in range(30):
            view.add("INFO" if n % 7 else "WARNING", f"Order BUY {n + 1} MSFT LMT 412.{n:02d} on PAPER-1: accepted")
        view.flush()
        written = (tmp_path / LOG_FILE).read_text(encoding="utf-8").splitlines()  # before the file is closed
    finally:
        close_log_file(handler)
    assert [line.split(" ", 3)[3] for line in written] == [
        f"Order BUY {n + 1} MSFT LMT 412.{n:02d} on PAPER-1: accepted" for n in range(30)]
    assert [line.split(" ")[2] for line in written][:8] == ["WARNING"] + ["INFO"] * 6 + ["WARNING"]
    assert all(line[:4].isdigit() and line[19] == "," for line in written)


def test_an_error_logged_to_the_log_file_is_on_disk_at_once(tmp_path: Path) -> None:
    handler = open_log_file(tmp_path)
    try:
        logging.getLogger("tradeterm.window").error("journal damaged: every account halted")
        written = (tmp_path / LOG_FILE).read_text(encoding="utf-8")
    finally:
        close_log_file(handler)
    assert "ERROR journal damaged: every account halted" in written


def test_the_log_file_rotates_once_it_reaches_its_size_and_keeps_every_line(tmp_path: Path, qapp: object,
                                                                          monkeypatch: object) -> None:
    import gui.log_file

    monkeypatch.setattr(gui.log_file, "MAX_BYTES", 4_000)  # type: ignore[attr-defined]
    handler = open_log_file(tmp_path)
    try:
        view = LogView()
        for n in range(300):  # some lines wider in bytes than in characters: the file's size is in bytes
            view.add("INFO", f"Order BUY {n + 1} MSFT LMT 412.{n % 100:02d} on PAPER-1: accepted {'€' * (n % 5)}")
            if n % 16 == 15:
                view.flush()
        view.flush()
    finally:
        close_log_file(handler)
    files = [tmp_path / LOG_FILE] + [tmp_path / f"{LOG_FILE}.{k}" for k in range(1, 6)]
    sizes = [path.stat().st_size for path in files if path.exists()]
    assert len(sizes) == 6 and all(size < 4_200 for size in sizes), sizes  # each rotated at 4,000 bytes plus a line
    rotated = [size for size in sizes[1:]]
    assert all(size >= 4_000 for size in rotated), sizes  # and not before
    kept = "".join(path.read_text(encoding="utf-8") for path in reversed(files)).splitlines()
    assert kept[-1].endswith("Order BUY 300 MSFT LMT 412.99 on PAPER-1: accepted " + "€" * 4)
    numbers = [int(line.split("Order BUY ")[1].split(" ")[0]) for line in kept]
    assert numbers == list(range(numbers[0], 301))  # in order, none lost between files
