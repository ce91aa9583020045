"""Open the risk limits dialog; its Save writes the limits to the settings, then applies them."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtWidgets import QWidget

from core.domain import StrategyId
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from gui.dialogs.risk_limits import RiskLimitsDialog


def open_risk_limits(session: TradingSession, save_settings: Callable[[Mapping[str, Any]], None],
                     parent: QWidget) -> RiskLimitsDialog:
    """Open the dialog on the limits in force; a save that cannot be written leaves them as they were."""
    view = session.view

    def save(config: RiskConfig) -> None:
        save_settings(config.to_dict())
        session.set_risk_config(config)

    dialog = RiskLimitsDialog(
        view.risk_config(), [str(a) for a in view.account_ids()], save,
        usage=view.risk_usage,
        strategies=[str(s) for s in view.disabled_strategies()],
        enable_strategy=lambda s: session.enable_strategy(StrategyId(s), getpass.getuser()),
        parent=parent,
    )
    dialog.open()
    return dialog
