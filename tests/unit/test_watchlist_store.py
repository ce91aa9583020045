"""watchlists.json: saved and read back as the trader left it; a corrupt file is refused by name and kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.storage.watchlists import Watchlist, WatchlistsDocument, WatchlistsError, WatchlistStore, WatchRow

DOCUMENT = WatchlistsDocument(
    (Watchlist("Main", (WatchRow("AAPL", "IB-1"), WatchRow("SPY"))), Watchlist("FX", (WatchRow("EUR.USD", "IB-1"),))),
    current=1, reference_feeds={"DESK-1": "PAPER-1"},
)


def test_watchlists_come_back_in_order_with_their_feeds(tmp_path: Path) -> None:
    store = WatchlistStore(tmp_path / "watchlists.json")
    assert store.load() is None, "nothing saved yet"
    store.save(DOCUMENT)
    assert WatchlistStore(tmp_path / "watchlists.json").load() == DOCUMENT
    assert list(tmp_path.iterdir()) == [tmp_path / "watchlists.json"], "no temporary file left behind"


@pytest.mark.parametrize(("text", "named"), [
    ("{not json", "Expecting property name"),
    ('{"version": 1, "lists": []}', "lists: expected a non-empty list"),
    ('{"version": 1, "lists": [{"name": "A", "rows": [{"symbol": "X", "feed": 7}]}]}', "lists[0].rows[0].feed"),
    ('{"version": 1, "lists": [{"name": "A"}, {"name": "A"}]}', "'A' is used twice"),
    ('{"version": 1, "lists": [{"name": "A", "rows": [{"symbol": "X"}, {"symbol": "X"}]}]}', "lists[0].rows[1]"),
    ('{"version": 1, "current": 3, "lists": [{"name": "A"}]}', "current"),
    ('{"version": 1, "lists": [{"name": "A"}], "reference_feeds": {"D": "D"}}', "reference_feeds"),
])
def test_a_corrupt_file_is_refused_by_name_and_never_overwritten(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "watchlists.json"
    path.write_text(text, encoding="utf-8")
    store = WatchlistStore(path)
    with pytest.raises(WatchlistsError) as refused:
        store.load()
    message = str(refused.value)
    assert str(path) in message and named in message and "move it away" in message
    with pytest.raises(WatchlistsError):
        store.save(DOCUMENT)
    assert path.read_text(encoding="utf-8") == text


def test_the_saved_file_is_plain_json_a_person_can_fix(tmp_path: Path) -> None:
    store = WatchlistStore(tmp_path / "watchlists.json")
    store.save(DOCUMENT)
    saved = json.loads((tmp_path / "watchlists.json").read_text(encoding="utf-8"))
    assert saved["lists"][0]["rows"] == [{"symbol": "AAPL", "feed": "IB-1"}, {"symbol": "SPY", "feed": None}]
