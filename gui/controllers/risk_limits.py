"""Open the risk limits dialog; its Save writes the limits to the settings, then applies them."""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from core.domain import AccountId, StrategyId
from core.ports.journal import JournalError
from core.services.risk import RiskConfig
from core.services.risk_audit import RISK_LIMITS_AUDIT, describe_risk_change
from core.services.session import TradingSession

if TYPE_CHECKING:
    from gui.dialogs.risk_limits import RiskLimitsDialog

log = logging.getLogger(__name__)


def open_risk_limits(session: TradingSession, save_settings: Callable[[Mapping[str, Any]], None],
                     parent: QWidget) -> RiskLimitsDialog:
    """Open the dialog on the limits in force; a save that cannot be written leaves them as they were."""
    view = session.view

    def save(config: RiskConfig) -> None:
        before = view.risk_config().to_dict()
        save_settings(config.to_dict())
        session.set_risk_config(config)
        audit_risk_change(session, before, config.to_dict())

    from gui.dialogs.risk_limits import RiskLimitsDialog  # a dialog: loaded when first opened

    dialog = RiskLimitsDialog(
        view.risk_config(), [str(a) for a in view.account_ids()], save,
        usage=view.risk_usage,
        strategies=[str(s) for s in view.disabled_strategies()],
        enable_strategy=lambda s: session.enable_strategy(StrategyId(s), getpass.getuser()),
        parent=parent,
        reset_drawdown=lambda a: session.reset_drawdown(AccountId(a), getpass.getuser()),
        reset_strategy_drawdown=lambda s: session.reset_strategy_drawdown(StrategyId(s), getpass.getuser()),
    )
    dialog.open()
    return dialog


def audit_risk_change(session: TradingSession, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    """Record who changed which limit in the audit trail; the limits apply even if the journal cannot say so."""
    detail = describe_risk_change(before, after)
    if not detail:
        return
    try:
        session.record_audit(getpass.getuser(), RISK_LIMITS_AUDIT, detail)
    except JournalError as exc:
        log.error("the risk limits changed, but the audit trail could not record it: %s", exc)
