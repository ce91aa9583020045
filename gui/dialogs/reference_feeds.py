"""ReferenceFeedsDialog: choose, per account without market data, the feed its ticket, risk and marks use."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

OWN_FEED = "Its own feed only"


class ReferenceFeedsDialog(QDialog):
    """One row per account: its own feed only, or another account's feed, shown as such ("prices from PAPER-1").

    objectName 'referenceFeedsDialog'; each account's choice is the combo 'referenceFeeds.<account>'.
    On OK, `choose(account, feed or None)` is called for every account whose choice changed.
    """

    def __init__(self, accounts: Sequence[str], chosen: Mapping[str, str],
                 choose: Callable[[str, str | None], None], parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="referenceFeedsDialog", windowTitle="Reference feeds")
        self._chosen, self._choose = dict(chosen), choose
        form = QFormLayout(self)
        form.addRow(QLabel("An account without market data of its own (an e-mail desk, easytrader) is priced\n"
                           "from the feed chosen here; its ticket says so. Without a choice it has no prices."))
        self.combos: dict[str, QComboBox] = {}
        for account in accounts:
            combo = QComboBox(objectName=f"referenceFeeds.{account}")
            combo.addItem(OWN_FEED, None)
            for other in accounts:
                if other != account:
                    combo.addItem(f"Prices from {other}", other)
            combo.setCurrentIndex(max(0, combo.findData(self._chosen.get(account))))
            self.combos[account] = combo
            form.addRow(account, combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        for account, combo in self.combos.items():
            feed = combo.currentData()
            if feed != self._chosen.get(account):
                self._choose(account, feed)
        super().accept()
