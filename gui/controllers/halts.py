"""HaltController: Flatten all, the kill switch and Resume trading, each after its confirm."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QMessageBox, QWidget

from core.domain import AccountId, Position, TradingState
from core.services.flatten import FlattenResult
from core.services.session import ConfirmRequired, TradingSession
from gui.async_op import OpReporter, run_op
from gui.controllers.halt_banner import hold_lines
from gui.controllers.orders import Log
from gui.widgets.held_confirm import ask_held_confirm


class HaltController:
    """Stop trading in the three ways the toolbar offers; confirms open over parent, outcomes go to log."""

    def __init__(self, session: TradingSession, reporter: OpReporter, parent: QWidget, log: Log) -> None:
        self._session = session
        self._reporter = reporter
        self._parent = parent
        self._log = log

    def _confirm(self, icon: QMessageBox.Icon, title: str, text: str, name: str,
                 default: QMessageBox.StandardButton, then: Callable[[], object]) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self._parent)
        box.setObjectName(name)
        box.setDefaultButton(default)
        box.finished.connect(lambda result: then() if result == QMessageBox.StandardButton.Yes else None)
        box.open()

    def flatten_all(self) -> None:
        """Ask, then cancel working orders and close every position (the broker's, after a mismatch)."""
        view = self._session.view
        open_positions = view.open_positions()
        mismatched = view.mismatched_accounts()
        if not open_positions and not mismatched:  # after a mismatch Flatten closes the broker's positions
            self._log("INFO", "Nothing to flatten: no open positions.")
            return
        text = f"Cancel working orders and close {len(open_positions)} position(s) at market?"
        if open_positions:
            text += "\n\n" + flatten_list(open_positions)
            keys = {(p.account_id, p.symbol) for p in open_positions}  # a Kite symbol's product rows: one key
            held = sum(len(view.held_children(*key)) for key in keys)
            native = sum(len(view.native_children(*key)) for key in keys)
            if held or native:
                text += (f"\n\nTheir stop-losses and targets are cancelled first: {held} held by TradeTerm, "
                         f"{native} at the broker.")
        if mismatched:
            text += (f" On {', '.join(mismatched)} (positions differ from the broker's) the broker's positions "
                     "are closed.")
        self._confirm(QMessageBox.Icon.Warning, "Flatten all", text, "flattenConfirmDialog",
                      QMessageBox.StandardButton.Cancel, self.flatten)

    def flatten_position(self, account_id: AccountId, symbol: str) -> None:
        """Ask, then cancel the symbol's working orders on the account and close its position there at market
        (every product row of it, where the broker keeps positions per product)."""
        view = self._session.view
        positions = [p for p in view.open_positions() if p.account_id == account_id and p.symbol == symbol]
        if not positions:
            self._log("INFO", f"Nothing to flatten: no open {symbol} position on {account_id}.")
            return
        text = (f"Cancel {symbol}'s working orders on {account_id} and close its position at market?\n\n"
                + flatten_list(positions))
        held, native = len(view.held_children(account_id, symbol)), len(view.native_children(account_id, symbol))
        if held or native:
            text += (f"\n\nIts stop-losses and targets are cancelled first: {held} held by TradeTerm, {native} at the "
                     "broker.")
        self._confirm(QMessageBox.Icon.Warning, f"Flatten {symbol}", text, "flattenPositionConfirmDialog",
                      QMessageBox.StandardButton.Cancel, lambda: self.flatten(account_id=account_id, symbol=symbol))

    def flatten(self, confirmed_by: str | None = None, *, account_id: AccountId | None = None,
                symbol: str | None = None) -> None:
        """Cancel working orders and close positions at market: all of them, or one account's symbol."""
        what = "Flatten all" if symbol is None else f"Flatten {symbol} on {account_id}"

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConfirmRequired) and confirmed_by is None:
                ask_held_confirm(self._parent, "Flatten on a held account", str(exc),
                                 lambda: self.flatten(getpass.getuser(), account_id=account_id, symbol=symbol))
            else:
                self._reporter.failed.emit(f"{what} failed: {exc}")

        def done(result: FlattenResult) -> None:
            self._log("INFO", f"Flatten sent {len(result.sent)} order(s).")
            if result.not_sent:  # each is in the log already (LogMessage); the trader must not miss them
                box = QMessageBox(QMessageBox.Icon.Critical, "Flatten: not everything was closed",
                                  "\n".join(result.not_sent), QMessageBox.StandardButton.Ok, self._parent)
                box.setObjectName("flattenNotSentDialog")
                box.open()

        run_op(self._reporter, what, self._session.flatten(account_id, symbol, confirmed_by=confirmed_by), eager=True,
               on_success=done, on_error=failed)

    def kill_switch(self) -> None:
        """Ask (naming what it stops), then halt all trading, cancel every working order, reject waiting ones."""
        scope = self._session.view.kill_switch_scope()
        text = ("Pull the kill switch? It halts all trading on every account until you resume, and it:\n"
                + "\n".join(f"• {line}" for line in scope.lines()))
        self._confirm(QMessageBox.Icon.Critical, "Kill switch", text,
                      "killSwitchConfirmDialog", QMessageBox.StandardButton.Yes, self.kill)

    def kill(self) -> None:
        run_op(self._reporter, "Kill switch", self._session.kill_switch(getpass.getuser()), eager=True,
               on_success=lambda n: self._log("WARNING", f"Kill switch: all trading halted; cancel asked "
                                                         f"for {n} working order(s)."))

    def resume(self) -> None:
        """Ask (resumeConfirmDialog, naming each halt it lifts), then lift the kill switch and daily-loss halts."""
        holds = self._session.view.resumable_holds()
        if not holds:
            held = [f"{a}: {s.reason}" for a in self._session.view.account_ids()
                    if (s := self._session.view.status(a)).trading is not TradingState.ACTIVE]
            self._log("INFO", "Resume: no kill switch or daily-loss halt to lift." + (
                " Still held: " + "; ".join(held) if held else ""))
            return
        text = ("Resume trading? This lifts:\n" + "\n".join(f"• {line}" for line in hold_lines(holds))
                + "\n\nOrders can be sent again at once. A daily loss still beyond its limit halts again: "
                  "raise the limit first.")
        self._confirm(QMessageBox.Icon.Warning, "Resume trading", text, "resumeConfirmDialog",
                      QMessageBox.StandardButton.Cancel, lambda: self.resume_now(holds))

    def resume_now(self, holds: list[tuple[AccountId | None, TradingState, str]]) -> None:
        """Lift the holds asked (audited, each scope once) and log the outcome."""
        actor = getpass.getuser()
        for scope in dict.fromkeys(account_id for account_id, _, _ in holds):
            state = self._session.resume(scope, actor)
            self._log("INFO", f"Resume ({actor}): {scope or 'all accounts'} now {state.value.lower()}.")


FLATTEN_LISTED = 12
"""At most this many positions are named in the Flatten confirm; the rest are counted."""


def flatten_list(positions: Sequence[Position]) -> str:
    """Name what Flatten will close, one line per position: "PAPER-1  long 10 AAPL" (the first FLATTEN_LISTED)."""
    ordered = sorted(positions, key=lambda p: (str(p.account_id), p.symbol, p.product or ""))
    lines = [f"{p.account_id}  {'long' if p.quantity > 0 else 'short'} {abs(p.quantity).normalize():f} {p.symbol}"
             + ("" if p.product is None else f" · {p.product.value}") for p in ordered[:FLATTEN_LISTED]]
    if len(ordered) > FLATTEN_LISTED:
        lines.append(f"… and {len(ordered) - FLATTEN_LISTED} more")
    return "\n".join(lines)
