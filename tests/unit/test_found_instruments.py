"""Instruments added from a search are kept across restarts; a damaged file is refused by name and left alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import AccountId, AssetClass
from core.ports.symbol_search import InstrumentMatch
from core.storage.found_instruments import FoundInstruments, FoundInstrumentsError

CALL = InstrumentMatch(AccountId("IB-7"), "AAPL  261218C00200000", "APPLE INC", "SMART", "USD", AssetClass.OPTION,
                       root="AAPL", expiry=date(2026, 12, 18), right="C", strike=Decimal(200), contract_id="711280073",
                       tick_size=Decimal("0.05"), multiplier=Decimal(100))


def test_a_pick_is_read_back_whole_after_a_restart(tmp_path: Path) -> None:
    FoundInstruments(tmp_path / "found.json").add(CALL)
    again = FoundInstruments(tmp_path / "found.json")
    assert again.load() == [CALL]
    assert again.for_account(AccountId("IB-7")) == [CALL] and again.for_account(AccountId("PAPER-1")) == []


def test_a_damaged_file_is_refused_by_name_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "found.json"
    path.write_text('{"version": 1, "instruments": [{"account": "IB-7"}]}', encoding="utf-8")
    found = FoundInstruments(path)
    with pytest.raises(FoundInstrumentsError, match=r"found\.json: instruments\[0\].*left as it is"):
        found.load()
    found.add(CALL)
    assert path.read_text(encoding="utf-8") == '{"version": 1, "instruments": [{"account": "IB-7"}]}'
    assert found.for_account(AccountId("IB-7")) == [CALL]  # kept for this run


def test_text_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "found.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(FoundInstrumentsError, match="cannot be read"):
        FoundInstruments(path).load()
