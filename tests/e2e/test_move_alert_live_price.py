"""The % move alert dialog's 'Now' price follows the symbol's feed while the dialog is open."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core.domain import Quote
from gui.controllers.alerts import AlertsSetup
from gui.dialogs.alert_dialogs import MoveAlertDialog
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until, until_row, write_paper_settings


def alerts_of(window: MainWindow) -> AlertsSetup:
    (setup,) = [o for o in window.keep_alive if isinstance(o, AlertsSetup)]
    return setup


def tick(window: MainWindow, symbol: str, last: Decimal) -> None:
    """Publish a trade on PAPER-1's feed, as its market data would (the paper market itself is still)."""
    window.session.bus.publish_quotes([Quote(symbol, bid=last - Decimal("0.01"), ask=last + Decimal("0.01"),
                                             last=last, source="PAPER-1")])


async def test_the_price_shown_in_the_move_alert_dialog_follows_the_feed(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)  # a 60 s tick: only the quotes below move the price
    async with open_window(tmp_path) as window:
        await until_row(window.watchlist_view, "AAPL")
        await until_row(window.watchlist_view, "MSFT")
        dialog = alerts_of(window).ask_move_alert("AAPL")
        assert isinstance(dialog, MoveAlertDialog) and dialog.isVisible()
        opened = window.session.view.latest_quote("AAPL", "PAPER-1")
        assert opened is not None and opened.last is not None
        assert dialog.prices_label.text().startswith(f"Now {opened.last:f} ·"), dialog.prices_label.text()

        moved = opened.last + Decimal("7.25")
        tick(window, "AAPL", moved)
        await until(lambda: dialog.prices_label.text().startswith(f"Now {moved:f} ·"),
                    f"the dialog to show AAPL's new price {moved}")

        dialog.symbol_combo.setCurrentText("MSFT")  # the dialog follows the symbol chosen now
        msft = window.session.view.latest_quote("MSFT", "PAPER-1")
        assert msft is not None and msft.last is not None
        assert dialog.prices_label.text().startswith(f"Now {msft.last:f} ·")
        tick(window, "MSFT", msft.last + Decimal("3.50"))
        await until(lambda: dialog.prices_label.text().startswith(f"Now {msft.last + Decimal('3.50'):f} ·"),
                    "the dialog to show MSFT's new price")
        dialog.reject()
