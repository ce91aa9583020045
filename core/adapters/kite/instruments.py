"""Kite's instruments list: the catalog by tradingsymbol, and a per-day cache file of the rows we need."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from core.adapters.kite.parsing import instrument_from_row
from core.domain import Instrument

log = logging.getLogger(__name__)
KEEP = ("instrument_token", "tradingsymbol", "name", "tick_size", "lot_size", "instrument_type", "segment", "exchange",
        "expiry", "strike")


def catalog_of(rows: Iterable[Mapping[str, Any]],
               freezes: Mapping[str, int] | None = None) -> dict[str, tuple[Instrument, int]]:
    """Return {tradingsymbol: (Instrument, instrument_token)}; the first row of a symbol wins."""
    catalog: dict[str, tuple[Instrument, int]] = {}
    for row in rows:
        instrument = instrument_from_row(row, freezes=freezes)
        if instrument is not None and instrument.symbol not in catalog:
            catalog[instrument.symbol] = (instrument, int(row["instrument_token"]))
    return catalog


class InstrumentsFile:
    """One exchange's instruments for one IST day in `folder` (no file at all when folder is empty)."""

    def __init__(self, folder: str, exchange: str, day: str) -> None:
        self.path = Path(folder) / f"kite-instruments-{exchange}-{day}.json" if folder else None

    def read(self) -> list[dict[str, Any]] | None:
        if self.path is None or not self.path.is_file():
            return None
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return rows if isinstance(rows, list) else None

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps([{k: r.get(k) for k in KEEP} for r in rows], default=str),
                                 encoding="utf-8")
        except OSError as exc:
            log.warning("Could not cache Kite instruments in %s: %s", self.path, exc)
