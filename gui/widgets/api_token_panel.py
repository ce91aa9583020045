"""ApiTokenPanel: the strategy API's address and each strategy's token (masked) and auto-approve switch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.services.strategy_access import AUTO_APPROVE_MEANS, StrategyAccessRow

COLUMNS = ("Strategy", "Token", "Auto-approve")


class StrategyAccessActions(Protocol):
    """What the panel asks of core.services.strategy_access.StrategyAccess."""

    def rows(self) -> list[StrategyAccessRow]: ...

    def reveal(self, strategy: str) -> str | None: ...

    def create_token(self, strategy: str, actor: str) -> str: ...

    def revoke_token(self, strategy: str, actor: str) -> bool: ...

    def set_auto_approve(self, strategy: str, on: bool, actor: str) -> None: ...


class ApiTokenPanel(QWidget):
    """Where strategies post, and per strategy: its token (masked; Copy puts it on the clipboard), Revoke, auto-approve.

    Create token makes a strategy's own token (and its settings entry, auto-approve off); the token
    fixes the strategy's name. Turning auto-approve on asks for a confirm that says what it means.
    `unavailable` (why there is no keyring) disables every action, and the address then says the API is
    off instead of showing where nothing listens. Signals: changed() after any change.
    """

    changed = Signal()

    def __init__(self, url: str, access: StrategyAccessActions, actor: str, unavailable: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("apiTokenPanel")
        self._access, self._actor, self._unavailable = access, actor, unavailable
        self._url = url
        self.confirm_box: QMessageBox | None = None
        self.url_label = QLabel(url, objectName="apiToken.urlLabel")
        self.url_label.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self, objectName="apiToken.strategiesTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.name_edit = QLineEdit(objectName="apiToken.nameEdit", placeholderText="strategy name, e.g. momo")
        self.create_button = self._button("Create token", "createButton", self._on_create_clicked,
                                          "Make this strategy's own token (a new one replaces the old).")
        self.copy_button = self._button("Copy", "copyButton", self._on_copy_clicked,
                                        "Put the selected strategy's whole token on the clipboard.")
        self.revoke_button = self._button("Revoke…", "revokeButton", self._on_revoke_clicked,
                                          "The strategy's requests get 401 until it has a new token.")
        self.auto_button = self._button("Auto-approve…", "autoApproveButton", self._on_auto_clicked,
                                        "Switch whether the strategy's orders skip the approval queue.")
        self.status_label = QLabel(objectName="apiToken.statusLabel")
        self.status_label.setWordWrap(True)
        create_row = QHBoxLayout()
        create_row.addWidget(self.name_edit, 1)
        create_row.addWidget(self.create_button)
        actions = QHBoxLayout()
        for button in (self.copy_button, self.revoke_button, self.auto_button):
            actions.addWidget(button)
        actions.addStretch(1)
        form = QFormLayout()
        form.addRow("Address", self.url_label)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addLayout(create_row)
        layout.addWidget(self.status_label)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.name_edit.returnPressed.connect(self._on_create_clicked)
        if unavailable is None:
            self.refresh()
        else:
            self.set_unavailable(unavailable)

    def set_unavailable(self, reason: str | None) -> None:
        """Say the API is off and why (reason: why tokens cannot be kept), or make the panel usable again (None)."""
        self._unavailable = reason
        if reason is not None:
            self.show_off("Off: no place to keep strategy tokens")
            self._say("The strategy API is off: its tokens need the OS keyring or TradeTerm's encrypted vault. "
                      "Press \"Set up the vault…\" in the banner at the top, or install a Secret Service such "
                      "as gnome-keyring and restart TradeTerm.", False)
            self.status_label.setToolTip(reason)
        else:
            self.url_label.setText(self._url)
            self.url_label.setStyleSheet("")
            self.status_label.setToolTip("")
            self._say("Strategy tokens can be kept now: create a token for each strategy.", True)
        self.refresh()

    def show_off(self, text: str) -> None:
        """Show, where the address would be, that the API does not listen and why (it has no address)."""
        self.url_label.setText(text)
        self.url_label.setStyleSheet("color: #d93025")

    def _button(self, text: str, name: str, slot: Callable[[], None], tip: str) -> QPushButton:
        button = QPushButton(text, objectName=f"apiToken.{name}")
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # --- view -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show the strategies as they are now, keeping the selection."""
        chosen = self.selected()
        rows = self._access.rows()
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            cells = (str(row.strategy_id), row.masked_token, "ON" if row.auto_approve else "off")
            for column, text in enumerate(cells):
                self.table.setItem(index, column, QTableWidgetItem(text))
        if chosen is not None:
            self.select(chosen)
        self._update_buttons()

    def selected(self) -> str | None:
        """Return the name of the selected strategy, or None."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return None if item is None else item.text()

    def select(self, strategy: str) -> None:
        """Select the strategy's row (for keyboard use and tests)."""
        for index in range(self.table.rowCount()):
            item = self.table.item(index, 0)
            if item is not None and item.text() == strategy:
                self.table.selectRow(index)
                return

    def masked_token(self, strategy: str) -> str:
        """Return the token as the table shows it for strategy ('' if the strategy is not listed)."""
        for index in range(self.table.rowCount()):
            item = self.table.item(index, 0)
            token = self.table.item(index, 1)
            if item is not None and token is not None and item.text() == strategy:
                return token.text()
        return ""

    def _row(self, strategy: str) -> StrategyAccessRow | None:
        return next((r for r in self._access.rows() if r.strategy_id == strategy), None)

    def _update_buttons(self) -> None:
        usable = self._unavailable is None
        row = self._row(self.selected() or "")
        self.table.setEnabled(usable)
        self.create_button.setEnabled(usable)
        self.name_edit.setEnabled(usable)
        self.copy_button.setEnabled(usable and row is not None and row.has_token)
        self.revoke_button.setEnabled(usable and row is not None and row.has_token)
        self.auto_button.setEnabled(usable and row is not None)
        self.auto_button.setText("Turn auto-approve off" if row is not None and row.auto_approve
                                 else "Turn auto-approve on…")

    def _say(self, text: str, ok: bool) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("" if ok else "color: #d93025")

    def _changed(self, text: str, strategy: str) -> None:
        self.refresh()
        self.select(strategy)
        self._say(text, True)
        self.changed.emit()

    # --- actions --------------------------------------------------------------------------------

    def _on_create_clicked(self) -> None:
        name = self.name_edit.text().strip() or (self.selected() or "")
        if not name:
            self._say("Type the strategy's name, then press Create token.", False)
            return
        try:
            self._access.create_token(name, self._actor)
        except Exception as exc:  # a bad name, no keyring, an unsaveable settings file: say which
            self._say(f"No token made for {name[:64]}: {exc}", False)
            return
        self.name_edit.clear()
        self._changed(f"Token made for {name}: press Copy and give it to the strategy (only it can act as "
                      f"{name}; an older token of {name} no longer works).", name)

    def _on_copy_clicked(self) -> None:
        name = self.selected()
        token = None if name is None else self._access.reveal(name)
        if name is None or token is None:
            return
        QApplication.clipboard().setText(token)
        self._say(f"{name}'s token copied to the clipboard.", True)

    def _on_revoke_clicked(self) -> None:
        name = self.selected()
        if name is None:
            return
        self._confirm("revokeConfirmDialog", "Revoke token",
                      f"Revoke {name}'s token? Its requests get 401 (it can no longer post, see or cancel its "
                      "orders) until you create a new token for it.", QMessageBox.Icon.Warning,
                      lambda: self._revoke(name))

    def _revoke(self, name: str) -> None:
        try:
            self._access.revoke_token(name, self._actor)
        except Exception as exc:
            self._say(f"{name}'s token was not revoked: {exc}", False)
            return
        self._changed(f"{name}'s token revoked: it gets 401 until you create a new one.", name)

    def _on_auto_clicked(self) -> None:
        name = self.selected()
        row = None if name is None else self._row(name)
        if name is None or row is None:
            return
        if row.auto_approve:
            self._set_auto(name, False)
            return
        self._confirm("autoApproveConfirmDialog", "Turn on auto-approve",
                      f"Auto-approve {name}?\n\nWhile it is on, {AUTO_APPROVE_MEANS}. An order the risk limits "
                      "refuse is still never sent.\n\nThe switch is recorded in the audit trail "
                      "with your name.", QMessageBox.Icon.Warning, lambda: self._set_auto(name, True))

    def _set_auto(self, name: str, on: bool) -> None:
        try:
            self._access.set_auto_approve(name, on, self._actor)
        except Exception as exc:
            self._say(f"Auto-approve of {name} not changed: {exc}", False)
            return
        self._changed(f"Auto-approve ON for {name}: its orders go to the broker without approval." if on else
                      f"Auto-approve off for {name}: its orders wait for your approval.", name)

    def _confirm(self, name: str, title: str, text: str, icon: QMessageBox.Icon, then: Callable[[], None]) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setObjectName(name)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda result: then() if result == QMessageBox.StandardButton.Yes else None)
        self.confirm_box = box
        box.open()
