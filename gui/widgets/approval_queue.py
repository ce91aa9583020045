"""ApprovalQueueWidget: the approval dock — strategy orders to approve, edit then approve, reject or withdraw."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QPushButton, QSystemTrayIcon, QVBoxLayout, QWidget

from core.domain import ClientOrderId, OrderStatus
from core.services.approval_row import ApprovalRow
from core.services.approvals import ApprovalOutcome, OrderEdit
from gui.async_op import OpReporter, run_op
from gui.models.approvals import ApprovalsTableModel
from gui.models.table_model import RawRole
from gui.periodic import start_apart
from gui.widgets.grid_view import make_grid_view

if TYPE_CHECKING:
    from gui.dialogs.approval_edit import ApprovalEditDialog, RejectReasonDialog

REFRESH_MS = 500

MarketOf = Callable[[ApprovalRow], "tuple[str, bool] | None"]
"""row -> (what its market's state reads, whether it is closed), or None while its hours are not known."""


class ApprovalActions(Protocol):
    """What the widget asks of the approval queue (core.services.approvals.ApprovalQueue fits)."""

    def rows(self) -> list[ApprovalRow]: ...

    def approve(self, client_order_id: ClientOrderId, actor: str = ...) -> Awaitable[ApprovalOutcome]: ...

    def edit_and_approve(self, client_order_id: ClientOrderId, edit: OrderEdit,
                         actor: str = ...) -> Awaitable[ApprovalOutcome]: ...

    def reject(self, client_order_id: ClientOrderId, reason: str, actor: str = ...) -> bool: ...

    def approve_all(self, actor: str = ...) -> Awaitable[list[ApprovalOutcome]]: ...

    def withdraw(self, client_order_id: ClientOrderId, actor: str) -> Awaitable[bool]: ...


class ApprovalQueueWidget(QWidget):
    """The queue's grid (objectName 'approvalsView'), its buttons and a line saying what the last action did.

    Refreshes twice a second (time left, quotes, drift, risk verdict now) and at once on `refresh()`.
    Signals: outcome(str text, bool ok) after every action.
    """

    outcome = Signal(str, bool)

    def __init__(self, actions: ApprovalActions, reporter: OpReporter | None = None, actor: str = "trader",
                 auto_approving: Callable[[], list[str]] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approvalQueue")
        self._actions = actions
        self._reporter = reporter or OpReporter(self)
        self._actor = actor
        self._auto_approving = auto_approving
        self._market_of: MarketOf | None = None
        self.model = ApprovalsTableModel(self)
        self.view = make_grid_view(self.model, "approvalsView", self)
        self.edit_dialog: ApprovalEditDialog | None = None
        self.reject_dialog: RejectReasonDialog | None = None
        buttons = QHBoxLayout()
        self.approve_button = self._button("Approve", "approveButton", self._on_approve_clicked, buttons)
        self.edit_button = self._button("Edit…", "editButton", self._on_edit_clicked, buttons)
        self.reject_button = self._button("Reject…", "rejectButton", self._on_reject_clicked, buttons)
        self.withdraw_button = self._button("Withdraw", "withdrawButton", self._on_withdraw_clicked, buttons)
        self.approve_all_button = self._button("Approve all", "approveAllButton", self._on_approve_all_clicked,
                                               buttons)
        buttons.addStretch(1)
        self.auto_label = QLabel(objectName="approvalQueue.autoApproveLabel")
        self.auto_label.setStyleSheet("color: #d93025; font-weight: bold")
        self.status_label = QLabel(objectName="approvalQueue.statusLabel")
        self.status_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.auto_label)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        start_apart(self._timer)
        self.refresh()

    def stop_refreshing(self) -> None:
        """Stop the countdown's refresh (the window is closing: the queue's journal goes with it)."""
        self._timer.stop()

    def _button(self, text: str, name: str, slot: Callable[[], None], layout: QHBoxLayout) -> QPushButton:
        button = QPushButton(text, objectName=f"approvalQueue.{name}")
        button.clicked.connect(slot)
        layout.addWidget(button)
        return button

    # --- view -----------------------------------------------------------------------------------

    def set_market_source(self, market_of: MarketOf) -> None:
        """Show each row's market (open, or closed and when it opens) as market_of(row) says (None: not known)."""
        self._market_of = market_of
        self.refresh()

    def refresh(self) -> None:
        """Show the queue as it is now."""
        try:
            rows = self._actions.rows()
        except Exception as exc:  # never let a refresh break the dock
            self._say(f"Cannot read the approval queue: {exc}", False)
            return
        market_of = self._market_of
        if market_of is not None:
            rows = [row if (state := market_of(row)) is None else replace(row, market=state[0], market_closed=state[1])
                    for row in rows]
        self.model.show(rows)
        self.model.flush()
        if self._auto_approving is not None:
            auto = self._auto_approving()
            self.auto_label.setText(f"Auto-approved (sent without your approval, within the risk limits): "
                                    f"{', '.join(auto)}" if auto else "")
            self.auto_label.setVisible(bool(auto))
        else:
            self.auto_label.setVisible(False)
        self._update_buttons()

    def selected(self) -> ApprovalRow | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        row = self.model.data(rows[0], RawRole)
        return row if isinstance(row, ApprovalRow) else None

    def select(self, client_order_id: str) -> None:
        """Select the row of this order (for keyboard use and tests)."""
        for index in range(self.model.rowCount()):
            row = self.model.data(self.model.index(index, 0), RawRole)
            if isinstance(row, ApprovalRow) and row.client_order_id == client_order_id:
                self.view.selectRow(index)
                return

    def _update_buttons(self, *_: object) -> None:
        chosen = self.selected() is not None
        for button in (self.approve_button, self.edit_button, self.reject_button, self.withdraw_button):
            button.setEnabled(chosen)
        self.approve_all_button.setEnabled(self.model.rowCount() > 0)

    def _say(self, text: str, ok: bool) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("" if ok else "color: #d93025")
        self.outcome.emit(text, ok)

    def _report(self, outcome: ApprovalOutcome) -> None:
        if outcome.approved:
            order = outcome.order  # named as the trader reads it, its id after (the id alone said nothing)
            what = str(outcome.client_order_id) if order is None else (
                f"{order.side.value} {format(order.quantity.value.normalize(), 'f')} {order.symbol} on "
                f"{order.account_id} ({outcome.client_order_id})")
            if order is not None and order.status is OrderStatus.REJECTED:  # the broker answered at once
                self._say(f"{what} approved and sent, then rejected: {order.reason or 'no reason given'}", False)
            else:
                self._say(f"{what} approved and sent.", True)
        else:
            self._say(f"{outcome.client_order_id} not sent: {outcome.reason}", False)
        self.refresh()

    # --- actions --------------------------------------------------------------------------------

    def _on_approve_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            run_op(self._reporter, "Approving", self._actions.approve(row.client_order_id, self._actor),
                   self.approve_button, on_success=self._report, on_error=self._on_error)

    def _on_edit_clicked(self) -> None:
        row = self.selected()
        if row is None:
            return
        from gui.dialogs.approval_edit import ApprovalEditDialog  # a dialog: loaded when first opened

        self.edit_dialog = ApprovalEditDialog(row, self)
        self.edit_dialog.editAccepted.connect(lambda edit: self._approve_edited(row, edit))
        self.edit_dialog.open()

    def _approve_edited(self, row: ApprovalRow, edit: OrderEdit) -> None:
        run_op(self._reporter, "Approving edited order",
               self._actions.edit_and_approve(row.client_order_id, edit, self._actor),
               self.edit_button, on_success=self._report, on_error=self._on_error)

    def _on_reject_clicked(self) -> None:
        row = self.selected()
        if row is None:
            return
        from gui.dialogs.approval_edit import RejectReasonDialog  # a dialog: loaded when first opened

        self.reject_dialog = RejectReasonDialog(row, self)
        self.reject_dialog.reasonGiven.connect(lambda reason: self._reject(row, reason))
        self.reject_dialog.open()

    def _reject(self, row: ApprovalRow, reason: str) -> None:
        if self._actions.reject(row.client_order_id, reason, self._actor):
            self._say(f"{row.client_order_id} rejected: {reason}", True)
        else:
            self._say(f"{row.client_order_id} could not be rejected: it is no longer waiting.", False)
        self.refresh()

    def _on_withdraw_clicked(self) -> None:
        row = self.selected()
        if row is None:
            return

        def done(withdrawn: bool) -> None:
            self._say(f"{row.client_order_id} withdrawn." if withdrawn else
                      f"{row.client_order_id} is no longer waiting.", withdrawn)
            self.refresh()

        run_op(self._reporter, "Withdrawing", self._actions.withdraw(row.client_order_id, self._actor),
               self.withdraw_button, on_success=done, on_error=self._on_error)

    def _on_approve_all_clicked(self) -> None:
        def done(outcomes: list[ApprovalOutcome]) -> None:
            sent = sum(1 for o in outcomes if o.approved)
            refused = [f"{o.client_order_id}: {o.reason}" for o in outcomes if not o.approved]
            text = f"{sent} of {len(outcomes)} approved." + (" Not sent — " + "; ".join(refused) if refused else "")
            self._say(text, not refused)
            self.refresh()

        run_op(self._reporter, "Approving all", self._actions.approve_all(self._actor), self.approve_all_button,
               on_success=done, on_error=self._on_error)

    def _on_error(self, exc: BaseException) -> None:
        self._say(f"The action failed: {exc}. The order stays in the queue.", False)
        self.refresh()


class ApprovalAlert(QObject):
    """Tell the trader a strategy order is waiting: a tray message and a beep (unless `sound` says no).

    Nothing at all while `enabled` says the alerts are off.
    """

    def __init__(self, tray: QSystemTrayIcon | None = None, enabled: Callable[[], bool] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray = tray
        self._enabled = enabled or (lambda: True)
        self.sound: Callable[[], bool] = lambda: True
        """Whether announce beeps (the alerts panel's Sound switch sets it)."""
        self.count = 0

    def announce(self, text: str) -> None:
        """Show text as a desktop notification and beep (does nothing while silenced)."""
        if not self._enabled():
            return
        self.count += 1
        if self._tray is not None and QSystemTrayIcon.supportsMessages():
            self._tray.showMessage("Strategy order awaits approval", text, QSystemTrayIcon.MessageIcon.Information,
                                   8000)
        if self.sound():
            QApplication.beep()
