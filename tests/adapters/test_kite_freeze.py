"""F&O freeze quantities on Kite's instruments: the exchanges' index limits, and an account's own for the rest."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.adapters.kite.config import KiteConfig
from core.adapters.kite.parsing import instrument_from_row

NIFTY_FUT = {"tradingsymbol": "NIFTY26DECFUT", "name": "NIFTY", "exchange": "NFO", "segment": "NFO-FUT",
             "instrument_type": "FUT", "tick_size": 0.05, "lot_size": 75}
RELIANCE_FUT = {**NIFTY_FUT, "tradingsymbol": "RELIANCE26DECFUT", "name": "RELIANCE", "lot_size": 500}
INFY = {"tradingsymbol": "INFY", "name": "INFOSYS", "exchange": "NSE", "segment": "NSE", "instrument_type": "EQ",
        "tick_size": 0.05, "lot_size": 1}


def test_index_futures_carry_the_exchanges_freeze_quantity_and_shares_none() -> None:
    assert instrument_from_row(NIFTY_FUT).max_order_qty == Decimal(1800)
    assert instrument_from_row(INFY).max_order_qty is None
    assert instrument_from_row(RELIANCE_FUT).max_order_qty is None, "not in the shipped table"


def test_the_accounts_settings_add_and_override_freeze_quantities() -> None:
    config = KiteConfig.from_mapping({"freeze_quantities": {"reliance": 10000, "NIFTY": 1500}})
    assert config.freeze_quantities == {"RELIANCE": 10000, "NIFTY": 1500}
    assert instrument_from_row(RELIANCE_FUT, freezes=config.freeze_quantities).max_order_qty == Decimal(10000)
    assert instrument_from_row(NIFTY_FUT, freezes=config.freeze_quantities).max_order_qty == Decimal(1500)
    assert config.to_mapping()["freeze_quantities"] == {"RELIANCE": 10000, "NIFTY": 1500}


def test_a_bad_freeze_quantity_setting_names_the_field_and_shows_the_form() -> None:
    with pytest.raises(ValueError, match=r'freeze_quantities must map underlyings to whole quantities, such as '
                                         r'\{"RELIANCE": 10000\}, got \{\'NIFTY\': -5\}'):
        KiteConfig.from_mapping({"freeze_quantities": {"NIFTY": -5}})
