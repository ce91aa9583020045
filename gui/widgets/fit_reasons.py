"""fit_reasons: a dialog grows to show its wrapped reason lines whole.

A dialog is sized while its error lines are empty; a reason set later, two lines long, was cut to its middle line
(an alert's decimal comma) or squeezed into 9 pixels (a field's reason in the Modify dialog).
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def fit_reasons(dialog: QWidget, *labels: QLabel) -> None:
    """Give each shown label with text the height its text needs at its width, and resize dialog to hold them."""
    dialog.adjustSize()  # the labels' widths first, then the heights those widths need
    for label in labels:
        shown = label.isVisibleTo(dialog) and bool(label.text())
        label.setMinimumHeight(label.heightForWidth(label.width()) if shown else 0)
    dialog.adjustSize()
