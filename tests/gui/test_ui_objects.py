"""docs/ui-objects.md stays true both ways: every listed name is in the live window, every name in it is listed.

Also: no interactive widget is left unnamed.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QHeaderView, QLineEdit, QTabBar

from gui.app import create_main_window

DOC = Path(__file__).resolve().parents[2] / "docs" / "ui-objects.md"
ON_DEMAND = {"flattenConfirmDialog", "flattenPositionConfirmDialog", "reconciliationDialog", "killSwitchConfirmDialog",
             "riskLimitsDialog",
             "emailSettingsDialog", "manualFillDialog", "connectionsDialog",
             "modifyOrderDialog", "approvalEditDialog", "rejectReasonDialog", "revokeConfirmDialog",
             "autoApproveConfirmDialog", "banners", "secretsBanner", "vaultDialog", "historyView",
             "referenceFeedsDialog", "watchlist.nameDialog", "chartView.confirmMove", "chartView.placeMenu",
             "resumeConfirmDialog", "removeAccountConfirmDialog", "removeAccountRefusedDialog", "reloginDialog.<ID>",
             "columnChooser.<view>", "priceAlertDialog", "moveAlertDialog", "pnlAlertDialog", "oandaConnectionPanel"}

BUILT_AFTER_FIRST_PAINT = ("chartView", "pnlCurveView")
"""The chart's and the P&L curve's widgets: built in the turn after the window's first paint (this window is never
shown)."""


def documented_names() -> list[str]:
    """The names with a row of their own."""
    return re.findall(r"^\| `([^`]+)` \|", DOC.read_text(), flags=re.MULTILINE)


def documented_patterns() -> list[re.Pattern[str]]:
    """Every name the document gives anywhere in its tables, as a pattern (`<ID>`, `<field>`: any one part).

    A row may list the names its dialog holds in short: `emailSettings.host`, `.port` means
    `emailSettings.port`.
    """
    patterns = []
    for line in DOC.read_text().splitlines():
        if not line.startswith("| `"):
            continue
        prefix = ""
        for name in re.findall(r"`([^`]+)`", line):
            if " " in name or "(" in name:
                continue  # code in the description, not a name
            full = prefix + name if name.startswith(".") else name
            if not name.startswith(".") and "." in name:
                prefix = name.rsplit(".", 1)[0]
            parts = re.split(r"(<[^>]+>)", full)
            patterns.append(re.compile("".join(".+" if part.startswith("<") else re.escape(part) for part in parts)))
    return patterns


def _is_qts_own(widget: QObject) -> bool:
    """Qt's own parts (grid headers, tab bars, combo popups, scroll areas' insides) are not ours to name."""
    if widget.objectName().startswith(("qt_", "_")):
        return True
    node = widget.parent()
    while node is not None:
        if isinstance(node, (QComboBox, QTabBar, QHeaderView)):
            return True
        node = node.parent()
    return isinstance(widget, QHeaderView)


async def test_every_documented_name_is_in_the_window_and_every_control_has_a_name(tmp_path: Path) -> None:
    window = create_main_window(tmp_path, connect=False)
    try:
        names = documented_names()
        assert len(names) > 40
        missing = []
        for name in names:
            concrete = name.replace("<ID>", "PAPER-1")
            later = ("orderTicket.confirmDialog", "symbolSearch", *BUILT_AFTER_FIRST_PAINT)
            if name in ON_DEMAND or name.startswith(later):
                continue
            if concrete != window.objectName() and window.findChild(QObject, concrete) is None:
                missing.append(name)
        assert missing == []
        interactive = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView)
        unnamed = [
            f"{type(w).__name__} under {w.parent().objectName() if w.parent() else '?'}"
            for kind in interactive for w in window.findChildren(kind)
            if not w.objectName() and not _is_qts_own(w)
        ]
        assert unnamed == []
    finally:
        window.close()
        await window.shutdown()


async def test_every_name_in_the_live_window_is_documented(tmp_path: Path) -> None:
    window = create_main_window(tmp_path, connect=False)
    try:
        patterns = documented_patterns()
        named = {o.objectName() for o in window.findChildren(QObject) if o.objectName() and not _is_qts_own(o)}
        undocumented = sorted(name for name in named if not any(p.fullmatch(name) for p in patterns))
        assert undocumented == [], "add these to docs/ui-objects.md"
    finally:
        window.close()
        await window.shutdown()
