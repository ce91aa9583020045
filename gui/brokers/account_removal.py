"""AccountRemoval: the accounts panel's Remove…: a confirm that names the account and what happens to its orders
and positions, then the account leaves the session, settings.json (atomically) and the keyring or vault."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from core.adapters.registry import find_kind
from core.domain import AccountId
from core.services.accounts import AccountInUse
from core.storage.secrets import SecretStoreError
from gui.async_op import run_op
from gui.models.format import fmt_qty

if TYPE_CHECKING:
    from gui.brokers.account_setup import AccountsSetup


class AccountRemoval:
    """Ask, then remove an account; refuse (saying what to do) while it has working orders."""

    def __init__(self, setup: AccountsSetup) -> None:
        self._setup = setup
        self.box: QMessageBox | None = None

    def ask(self, account_id: AccountId) -> QMessageBox:
        """Open the confirm (removeAccountConfirmDialog) or, with working orders, the refusal
        (removeAccountRefusedDialog); return it."""
        session = self._setup.session
        window = self._setup.window
        working = session.view.working_orders(account_id)
        if working:
            box = QMessageBox(QMessageBox.Icon.Warning, f"Remove {account_id}",
                              f"{account_id} has {len(working)} working order(s) "
                              f"({', '.join(sorted({o.symbol for o in working}))}). It cannot be removed while "
                              "they work: cancel them first (select them in Working orders and Cancel, or Cancel "
                              "all), then remove the account.", QMessageBox.StandardButton.Ok, window)
            box.setObjectName("removeAccountRefusedDialog")
            window.log_view.add("WARNING", f"Remove {account_id} refused: it has {len(working)} working order(s).")
        else:
            box = QMessageBox(QMessageBox.Icon.Question, f"Remove {account_id}", self._confirm_text(account_id),
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, window)
            box.setObjectName("removeAccountConfirmDialog")
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            box.button(QMessageBox.StandardButton.Yes).setText(f"Remove {account_id}")
            box.finished.connect(
                lambda result: self.remove(account_id) if result == QMessageBox.StandardButton.Yes else None)
        self.box = box
        box.open()
        return box

    def _confirm_text(self, account_id: AccountId) -> str:
        session = self._setup.session
        kind = session.view.status(account_id).kind
        positions = [p for p in session.view.open_positions() if p.account_id == account_id]
        held = (f"Its {len(positions)} open position(s) ("
                + ", ".join(f"{p.symbol} {fmt_qty(p.quantity)}" for p in positions)
                + ") are NOT closed: they stay with the broker, and TradeTerm keeps them in its journal without "
                  "live prices.") if positions else "It has no open positions and no working orders."
        return (f"Remove account {account_id} ({kind})?\n\n{held}\n\nTradeTerm disconnects it, deletes its saved "
                "settings and its secrets (keyring or vault), and keeps its order history in the journal. "
                "Adding it again later needs its secrets again.")

    def remove(self, account_id: AccountId) -> None:
        """Remove the account (no confirm): session, then settings and secrets, then the window's rows."""
        setup = self._setup
        run_op(setup.window.reporter, f"Remove {account_id}",
               setup.session.remove_account(account_id, getpass.getuser()),
               on_success=lambda _: self._forget(account_id),
               on_error=lambda exc: setup.window.log_view.add(
                   "ERROR", f"Remove {account_id} refused: {exc}" if isinstance(exc, AccountInUse)
                   else f"Remove {account_id} failed: {exc}"))

    def _forget(self, account_id: AccountId) -> None:
        setup = self._setup
        saved = next((a for a in setup.settings.accounts() if a.id == account_id), None)
        setup.settings.set_accounts([a for a in setup.settings.accounts() if a.id != account_id])
        left: list[str] = []
        if saved is not None:
            try:
                kind = find_kind(saved.kind)
            except ValueError:
                fields: tuple[str, ...] = ()
            else:
                fields = kind.secret_fields
            for field in fields:
                try:
                    setup.secrets.delete(setup.secret_key(kind, str(account_id), saved.settings, field))
                except SecretStoreError as exc:
                    left.append(f"{field} ({exc})")
        setup.window.remove_account_view(account_id)
        if left:  # the removal itself is in the log already (the session says it)
            setup.window.log_view.add("ERROR", f"Removed {account_id}, but could not delete its secrets: "
                                               + "; ".join(left))
