"""The funds grid: a sound Qt model; accounts in order, the per-currency totals last; dashes for unreported figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.domain.funds import FundsLine, LineKind
from gui.models.format import DASH
from gui.models.funds import TOTAL, FundsRow, FundsTableModel
from tests.gui.model_checks import checked  # noqa: F401  # the fixture


def test_rows_sort_by_account_then_line_with_totals_last(checked: Any) -> None:  # noqa: F811
    model = checked(FundsTableModel())
    rows = [
        FundsRow(1_000_000, TOTAL, FundsLine("USD", cash=Decimal(3))),
        FundsRow(1, "IB-1", FundsLine("EUR", cash=Decimal(2), segment="cash", kind=LineKind.BALANCE)),
        FundsRow(1, "IB-1", FundsLine("USD", cash=Decimal(1), margin_used=Decimal(25), margin_available=Decimal(75),
                                      segment="BASE"), "HALTED", "Positions differ"),
        FundsRow(0, "PAPER-1", FundsLine("USD", cash=Decimal(2))),
    ]
    for row in rows:
        model.upsert(row.key, row)
    model.flush()
    assert model.row_keys() == (("PAPER-1", "USD"), ("IB-1", "EUR cash"), ("IB-1", "USD BASE"), (TOTAL, "USD"))
    columns = [c.key for c in model.columns]
    base = model.row_of(("IB-1", "USD BASE"))
    assert model.index(base, columns.index("utilisation")).data() == "25.0%"
    assert model.index(base, columns.index("reason")).data() == "Positions differ"
    assert model.index(base, columns.index("equity")).data() == DASH, "not reported: a dash, never 0"
    balance = model.row_of(("IB-1", "EUR cash"))
    assert model.index(balance, columns.index("currency")).data() == "EUR cash (in base)"
