"""The trader's named watchlists and reference feeds, in their own file (watchlists.json), written atomically.

The document: `{"version": 1, "current": 0, "lists": [{"name": "Main", "rows": [{"symbol": "AAPL",
"feed": "IB-1"}, {"symbol": "SPY", "feed": null}]}], "reference_feeds": {"DESK-1": "PAPER-1"}}`.
A row's feed is the account whose market data it shows (null: the first feed that quotes the symbol).
A corrupt file is refused by name and never overwritten: the window keeps working on a default list
and says what to do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Final

from core.atomic_file import write_atomically
from core.domain.watchlist import (
    WATCHLISTS_VERSION,
    Watchlist,
    WatchlistsDocument,
    WatchlistsError,
    WatchRow,
)

WATCHLISTS_FILE: Final = "watchlists.json"
__all__ = ["WATCHLISTS_FILE", "WATCHLISTS_VERSION", "WatchRow", "Watchlist", "WatchlistStore", "WatchlistsDocument",
           "WatchlistsError"]


class WatchlistStore:
    """watchlists.json: `load` it (None when there is none yet) and `save` it atomically.

    Once a file was found corrupt, `refused` holds the reason and `save` raises instead of replacing it.
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else Path(path).expanduser().absolute()
        """None: kept in memory only (a window built without a data folder)."""
        self.refused: str | None = None

    def load(self) -> WatchlistsDocument | None:
        """Return the saved watchlists, or None when none are saved; a corrupt file raises WatchlistsError."""
        if self.path is None:
            return None
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise self._refuse(str(exc)) from None
        try:
            return WatchlistsDocument.from_json(json.loads(text))
        except (json.JSONDecodeError, ValueError) as exc:
            raise self._refuse(str(exc)) from None

    def save(self, document: WatchlistsDocument) -> None:
        """Write document atomically; refuse while the file on disk is one this code found corrupt."""
        if self.refused is not None:
            raise WatchlistsError(self.refused)
        if self.path is None:
            return
        text = json.dumps(document.to_json(), indent=2, ensure_ascii=False) + "\n"
        try:
            write_atomically(self.path, text)
        except OSError as exc:
            raise WatchlistsError(f"Cannot write the watchlists file {self.path}: {exc}") from None

    def _refuse(self, detail: str) -> WatchlistsError:
        self.refused = (
            f"The watchlists file {self.path} is corrupt ({detail}); TradeTerm has not changed it and will not "
            "save watchlist changes over it. Fix it in a text editor, or move it away and restart TradeTerm to "
            "start from the default watchlist."
        )
        return WatchlistsError(self.refused)
