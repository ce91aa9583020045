"""The ticket's "Size by risk" row: the quantity from the risk typed and the Protect stop, with the money at risk,
capped by the real risk engine's limits."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from core.domain import ValidatedRequest
from core.services.risk import RiskLimits
from core.services.sizing import Sized
from core.services.sizing_order import SizingSpec, size_request
from tests.gui.test_order_ticket import Ticket, ticket  # noqa: F401  (the fixture)
from tests.unit.risk_harness import Harness


def wire(t: Ticket, limits: RiskLimits | None = None) -> Harness:
    h = Harness(limits or RiskLimits())

    def sizer(valid: ValidatedRequest, spec: SizingSpec) -> tuple[Sized, str]:
        return size_request(h.engine, h.quotes.latest, valid, spec, h.clock.now()), "USD"

    t.widget.set_sizer(sizer)
    return h


def result(t: Ticket) -> str:
    label = t.child(QLabel, "sizeResultLabel")
    return label.text() if label.isVisible() else ""


def size(t: Ticket, risk: str) -> None:
    t.type_into("sizeRiskEdit", risk)
    t.qtbot.keyClick(t.edit("sizeRiskEdit"), Qt.Key.Key_Return)


def test_the_risk_and_the_stop_set_the_quantity_and_show_the_money_at_risk(ticket: Ticket) -> None:  # noqa: F811
    wire(ticket)
    ticket.fill("AAPL", "", "189.50")
    ticket.type_into("stopLossEdit", "187.50")  # 2.00 a share
    size(ticket, "250")
    assert ticket.edit("quantityEdit").text() == "125"
    assert result(ticket) == "Qty 125 · risks 250.00 USD to the stop 187.50"
    assert ticket.sent == []  # sizing never sends


def test_a_risk_limit_caps_the_size_and_the_ticket_says_which(ticket: Ticket) -> None:  # noqa: F811
    wire(ticket, RiskLimits(max_order_qty=Decimal(50)))
    ticket.fill("AAPL", "1", "189.50")
    ticket.type_into("stopLossEdit", "187.50")
    size(ticket, "250")
    assert ticket.edit("quantityEdit").text() == "50"
    assert result(ticket).startswith("Qty 50 · risks 100.00 USD to the stop 187.50 · capped: Quantity 51 is above")


def test_without_a_stop_or_the_equity_the_ticket_says_what_is_missing(ticket: Ticket) -> None:  # noqa: F811
    wire(ticket)
    ticket.fill("AAPL", "7", "189.50")
    size(ticket, "250")
    assert "Enter a stop-loss under Protect" in result(ticket)
    ticket.type_into("stopLossEdit", "187.50")
    size(ticket, "1%")
    assert "equity in USD is not known yet" in result(ticket)
    assert ticket.edit("quantityEdit").text() == "7"
