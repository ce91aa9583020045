"""ProtectionController: show the stop-loss and take-profit TradeTerm holds for each position in the positions grid."""

from __future__ import annotations

from typing import Protocol

from core.domain import AccountId
from core.domain.protection import describe_protection
from core.services.native_bracket import describe_native
from core.services.session import TradingSession
from gui.bridge import CoreBridge


class _Window(Protocol):
    session: TradingSession
    bridge: CoreBridge


class ProtectionController:
    """Feed the positions grid's Protection column: the held children, and the protective orders at the broker."""

    def __init__(self, session: TradingSession, bridge: CoreBridge) -> None:
        self._session = session
        bridge.positions.set_protection(self.describe)

    @classmethod
    def install(cls, window: _Window) -> ProtectionController:
        return cls(window.session, window.bridge)

    def describe(self, account_id: AccountId, symbol: str) -> str:
        view = self._session.view
        held = describe_protection(view.held_children(account_id, symbol))
        native = describe_native(view.native_children(account_id, symbol))
        return "; ".join(text for text in (held, native) if text)
