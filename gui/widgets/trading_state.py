"""TradingStateWidget: the global trading state (ACTIVE / REDUCING / HALTED), colored, for the status bar.

It never says a plain green ACTIVE while an account cannot trade: 'Trading: ACTIVE · 1 account halted'
in the warning colour, each held account and why in its tooltip.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QLabel, QWidget

from core.domain import AccountId, TradingState

COLORS = {TradingState.ACTIVE: "#2e7d32", TradingState.REDUCING: "#b26a00", TradingState.HALTED: "#c62828"}
WARNING = COLORS[TradingState.REDUCING]
_SEVERITY = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


class TradingStateWidget(QLabel):
    """Show the global state and how many accounts are held beyond it; its tooltip says why.

    objectName 'status.tradingState'. Connect CoreBridge.trading_state_changed to `on_trading_state_changed`
    (events of one account are ignored there); the status bar hands each account's state to `set_accounts`.
    """

    def __init__(self, state: TradingState = TradingState.ACTIVE, reason: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status.tradingState")
        self.state = state
        self._reason = reason
        self._accounts: dict[AccountId, tuple[TradingState, str]] = {}
        self.set_state(state, reason)

    def set_state(self, state: TradingState, reason: str = "") -> None:
        """Show the global state and keep reason for the tooltip."""
        self.state = state
        self._reason = reason
        self._show()

    def set_accounts(self, accounts: Mapping[AccountId, tuple[TradingState, str]]) -> None:
        """Take every account's own state and why (the status bar calls this whenever one changes)."""
        self._accounts = dict(accounts)
        self._show()

    def on_trading_state_changed(self, account_id: AccountId | None, state: TradingState, reason: str) -> None:
        if account_id is None:
            self.set_state(state, reason)

    def _show(self) -> None:
        held = {a: s for a, s in self._accounts.items() if _SEVERITY[s[0]] > _SEVERITY[self.state]}
        counts = [f"{n} account{'' if n == 1 else 's'} {state.value.lower()}"
                  for state in (TradingState.HALTED, TradingState.REDUCING)
                  if (n := sum(1 for s, _ in held.values() if s is state))]
        color = WARNING if counts and self.state is TradingState.ACTIVE else COLORS[self.state]
        more = f"<span style='color:{color}'> · {' · '.join(counts)}</span>" if counts else ""
        self.setText(f"Trading: <b style='color:{color}'>{self.state.value}</b>{more}")
        lines = [self._reason] if self._reason else []
        lines += [f"{a}: {s.value.lower()} — {why}" for a, (s, why) in sorted(held.items())]
        self.setToolTip("\n".join(lines))
