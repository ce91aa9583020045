"""FoundInstruments: the instruments the trader added from a search, per account, kept across restarts.

A search finds contracts the accounts' own settings do not list (an IB future by expiry, an NFO option);
this file remembers each one picked so that it is loaded again when its account connects. The file is
`found_instruments.json` in the data directory: `{"version": 1, "instruments": [{account, symbol, ...}]}`.
A file that cannot be read is refused by name and never overwritten (adds are then kept for this run only).
"""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from core.atomic_file import write_atomically
from core.domain import AccountId, AssetClass
from core.ports.symbol_search import InstrumentMatch

log = logging.getLogger(__name__)
FILE_NAME = "found_instruments.json"
VERSION = 1
_DECIMALS = ("strike", "tick_size", "lot_size", "multiplier")


class FoundInstrumentsError(ValueError):
    """The file cannot be read; the message names it and what is wrong."""


def match_to_json(match: InstrumentMatch) -> dict[str, Any]:
    row: dict[str, Any] = {
        "account": str(match.account_id), "symbol": match.symbol, "name": match.name, "venue": match.venue,
        "currency": match.currency, "kind": match.kind.value, "root": match.root,
        "expiry": match.expiry.isoformat() if match.expiry is not None else None, "right": match.right,
        "contract_id": match.contract_id,
    }
    for key in _DECIMALS:
        value = getattr(match, key)
        row[key] = None if value is None else format(value, "f")
    return row


def match_from_json(row: object, where: str) -> InstrumentMatch:
    if not isinstance(row, dict):
        raise FoundInstrumentsError(f"{where}: expected an object, got {row!r}")
    try:
        decimals = {k: None if row.get(k) is None else Decimal(str(row[k])) for k in _DECIMALS}
        expiry = row.get("expiry")
        return InstrumentMatch(
            AccountId(str(row["account"])), str(row["symbol"]), str(row.get("name", "")), str(row["venue"]),
            str(row["currency"]), AssetClass(row["kind"]), root=str(row.get("root", "")),
            expiry=date.fromisoformat(expiry) if isinstance(expiry, str) else None, right=str(row.get("right", "")),
            contract_id=str(row.get("contract_id", "")), **decimals,
        )
    except (KeyError, ValueError, InvalidOperation, TypeError) as exc:
        raise FoundInstrumentsError(f"{where}: {type(exc).__name__}: {exc}") from None


class FoundInstruments:
    """The saved list; `load()` once at start, `add()` after each successful pick."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.matches: list[InstrumentMatch] = []
        self.refused: str = ""
        """Why the file was refused at load (empty if it was read): it is then never written."""

    def load(self) -> list[InstrumentMatch]:
        """Read the file (none: an empty list); raise FoundInstrumentsError naming the file if it is unusable."""
        if not self.path.exists():
            return []
        try:
            document = json.loads(self.path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            self.refused = f"{self.path}: cannot be read ({exc}); it is left as it is."
            raise FoundInstrumentsError(self.refused) from None
        if not isinstance(document, dict) or not isinstance(document.get("instruments"), list):
            self.refused = f"{self.path}: expected {{\"version\": 1, \"instruments\": [...]}}; it is left as it is."
            raise FoundInstrumentsError(self.refused)
        try:
            self.matches = [match_from_json(r, f"{self.path}: instruments[{i}]")
                            for i, r in enumerate(document["instruments"])]
        except FoundInstrumentsError as exc:
            self.refused = f"{exc}; the file is left as it is."
            raise FoundInstrumentsError(self.refused) from None
        return list(self.matches)

    def for_account(self, account_id: AccountId) -> list[InstrumentMatch]:
        return [m for m in self.matches if m.account_id == account_id]

    def add(self, match: InstrumentMatch) -> None:
        """Remember match (replacing one of the same account and symbol) and save, unless the file was refused."""
        self.matches = [m for m in self.matches if (m.account_id, m.symbol) != (match.account_id, match.symbol)]
        self.matches.append(match)
        if self.refused:
            log.warning("Not saving %s: %s", match.symbol, self.refused)
            return
        document = {"version": VERSION, "instruments": [match_to_json(m) for m in self.matches]}
        write_atomically(self.path, json.dumps(document, indent=1))
