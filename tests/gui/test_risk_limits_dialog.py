"""The risk limits dialog: validates every field where it is typed, shows usage, saves through the callback."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from core.domain import AccountId, Side, StrategyId, TradingState
from core.services.risk import LIMIT_FIELDS, RiskConfig, RiskLimits, usage_texts
from gui.dialogs.risk_limits import RiskLimitsDialog
from gui.widgets.trading_state import TradingStateWidget
from tests.unit.risk_harness import ACCOUNT, Harness


def make_dialog(qtbot: QtBot, config: RiskConfig | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    saved: list[RiskConfig] = []
    dialog = RiskLimitsDialog(config or RiskConfig(), ["PAPER-1", "IB-1"], saved.append, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, saved


def edit(dialog: RiskLimitsDialog, name: str) -> QLineEdit:
    found = dialog.findChild(QLineEdit, f"riskLimits.{name}")
    assert found is not None
    return found


def label(dialog: RiskLimitsDialog, name: str) -> QLabel:
    found = dialog.findChild(QLabel, name)
    assert found is not None
    return found


def retype(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, text)


def click_save(qtbot: QtBot, dialog: RiskLimitsDialog) -> None:
    button = dialog.findChild(QPushButton, "riskLimits.saveButton")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_every_setting_has_a_named_field_with_usage_and_error_labels(qtbot: QtBot) -> None:
    dialog, _ = make_dialog(qtbot)
    for name in LIMIT_FIELDS:
        assert edit(dialog, name).isVisible()
        label(dialog, f"riskLimits.{name}.usage")
        assert not label(dialog, f"riskLimits.{name}.error").isVisible()
    assert edit(dialog, "max_order_qty").text() == "10000"
    assert edit(dialog, "fx_rates").text() == "CNY=0.14, INR=0.012"


def test_an_invalid_value_is_refused_next_to_its_field_and_nothing_is_saved(qtbot: QtBot) -> None:
    dialog, saved = make_dialog(qtbot)
    retype(qtbot, edit(dialog, "max_order_qty"), "-5")
    error = label(dialog, "riskLimits.max_order_qty.error")
    assert error.isVisible() and "greater than zero" in error.text()
    click_save(qtbot, dialog)
    assert saved == [] and dialog.isVisible()
    assert "Max order quantity" in label(dialog, "riskLimits.statusLabel").text()
    retype(qtbot, edit(dialog, "max_order_qty"), "500")
    assert not error.isVisible()


def test_a_setting_that_cannot_be_off_asks_for_a_value(qtbot: QtBot) -> None:
    dialog, saved = make_dialog(qtbot)
    retype(qtbot, edit(dialog, "max_quote_age_s"), "")
    assert "Enter a value" in label(dialog, "riskLimits.max_quote_age_s.error").text()
    click_save(qtbot, dialog)
    assert saved == []


def test_a_cross_field_problem_is_shown_on_the_scope_and_field_concerned(qtbot: QtBot) -> None:
    dialog, saved = make_dialog(qtbot)
    dialog.select_scope("account", "IB-1")
    retype(qtbot, edit(dialog, "daily_loss_limit"), "5000")
    retype(qtbot, edit(dialog, "daily_loss_halt"), "4000")
    dialog.select_scope("global")
    click_save(qtbot, dialog)
    assert saved == []
    assert dialog.current_scope() == ("account", "IB-1")
    assert "at least the daily loss limit" in label(dialog, "riskLimits.daily_loss_halt.error").text()


def test_save_writes_global_account_and_strategy_limits(qtbot: QtBot) -> None:
    dialog, saved = make_dialog(qtbot)
    retype(qtbot, edit(dialog, "max_gross_exposure"), "100000")
    retype(qtbot, edit(dialog, "blocked_symbols"), "gme, amc")
    dialog.select_scope("account", "PAPER-1")
    assert edit(dialog, "max_order_qty").placeholderText() == "inherit: 10000"
    retype(qtbot, edit(dialog, "max_order_qty"), "250")
    retype(qtbot, edit(dialog, "collar_pct"), "off")
    qtbot.keyClicks(dialog.new_strategy_edit, "momo")
    qtbot.mouseClick(dialog.add_strategy_button, Qt.MouseButton.LeftButton)
    assert dialog.current_scope() == ("strategy", "momo")
    retype(qtbot, edit(dialog, "strategy_max_fills"), "3")
    with qtbot.waitSignal(dialog.saved):
        click_save(qtbot, dialog)
    (config,) = saved
    assert config.global_limits.max_gross_exposure == Decimal(100_000)
    assert config.global_limits.blocked_symbols == frozenset({"GME", "AMC"})
    paper = config.limits_for(AccountId("PAPER-1"))
    assert paper.max_order_qty == 250 and paper.collar_pct is None
    assert config.limits_for(AccountId("IB-1")).max_order_qty == 10_000
    assert config.limits_for(AccountId("IB-1"), StrategyId("momo")).strategy_max_fills == 3
    assert not dialog.isVisible()
    assert RiskConfig.from_dict(config.to_dict()) == config


def test_existing_overrides_are_shown_and_kept(qtbot: QtBot) -> None:
    config = RiskConfig(RiskLimits(max_order_qty=Decimal(100)), accounts={"IB-1": {"max_working_orders": None}},
                        strategies={"knight": {"max_order_qty": "7"}})
    dialog, saved = make_dialog(qtbot, config)
    assert edit(dialog, "max_working_orders").text() == ""  # off globally
    dialog.select_scope("account", "IB-1")
    assert edit(dialog, "max_working_orders").text() == "off"
    dialog.select_scope("strategy", "knight")
    assert edit(dialog, "max_order_qty").text() == "7"
    click_save(qtbot, dialog)
    assert saved == [config]


def test_usage_is_shown_beside_each_limit_for_the_selected_scope(qtbot: QtBot) -> None:
    asked: list[tuple[str, str | None]] = []

    def usage(kind: str, key: str | None) -> dict[str, str]:
        asked.append((kind, key))
        return {"max_gross_exposure": "41,200 / 100,000 USD"} if key == "PAPER-1" else {}

    dialog, _ = make_dialog(qtbot, usage=usage)
    assert label(dialog, "riskLimits.max_gross_exposure.usage").text() == ""
    dialog.select_scope("account", "PAPER-1")
    assert label(dialog, "riskLimits.max_gross_exposure.usage").text() == "41,200 / 100,000 USD"
    assert asked[0] == ("global", None)


def test_a_failed_save_keeps_the_dialog_open_and_says_so(qtbot: QtBot) -> None:
    def refuse(config: RiskConfig) -> None:
        raise OSError("disk full")

    dialog = RiskLimitsDialog(RiskConfig(), ["PAPER-1"], refuse)
    qtbot.addWidget(dialog)
    dialog.show()
    click_save(qtbot, dialog)
    assert dialog.isVisible() and "Not saved: disk full" in label(dialog, "riskLimits.statusLabel").text()


def test_a_disabled_strategy_can_be_re_enabled_from_its_scope(qtbot: QtBot) -> None:
    enabled: list[str] = []
    dialog, _ = make_dialog(qtbot, strategies=["knight"], enable_strategy=enabled.append)
    assert not dialog.enable_strategy_button.isVisible()
    dialog.select_scope("strategy", "knight")
    qtbot.mouseClick(dialog.enable_strategy_button, Qt.MouseButton.LeftButton)
    assert enabled == ["knight"]


def test_the_trading_state_widget_shows_the_global_state(qtbot: QtBot) -> None:
    widget = TradingStateWidget()
    qtbot.addWidget(widget)
    widget.on_trading_state_changed(AccountId("PAPER-1"), TradingState.HALTED, "Disconnected.")
    assert widget.state is TradingState.ACTIVE
    widget.on_trading_state_changed(None, TradingState.HALTED, "Kill switch pulled by ana.")
    assert widget.state is TradingState.HALTED and "HALTED" in widget.text()
    assert widget.toolTip() == "Kill switch pulled by ana."


def test_an_accounts_drawdown_is_shown_and_can_be_reset_from_its_scope(qtbot: QtBot) -> None:
    h = Harness(RiskLimits(drawdown_limit=Decimal(500)))
    h.fill(Side.BUY, "100", "100.00")
    for last in ("110.00", "104.00"):
        h.quote(bid=last, ask=last, last=last)
    assert h.state() is TradingState.REDUCING
    dialog, _ = make_dialog(qtbot, RiskConfig(RiskLimits(drawdown_limit=Decimal(500))),
                            usage=lambda scope, key: usage_texts(h.engine, scope, key),
                            reset_drawdown=lambda account: h.engine.reset_drawdown(AccountId(account)))
    assert not dialog.reset_drawdown_button.isVisible()
    dialog.select_scope("account", str(ACCOUNT))
    assert label(dialog, "riskLimits.drawdown_limit.usage").text() == "600 / 500 USD"
    qtbot.mouseClick(dialog.reset_drawdown_button, Qt.MouseButton.LeftButton)
    assert h.state() is TradingState.ACTIVE
    assert label(dialog, "riskLimits.drawdown_limit.usage").text() == "0 / 500 USD"


def test_the_trading_state_widget_counts_held_accounts_under_an_active_global_state(qtbot: QtBot) -> None:
    widget = TradingStateWidget()
    qtbot.addWidget(widget)
    widget.set_accounts({AccountId("PAPER-1"): (TradingState.HALTED, "Not connected."),
                         AccountId("IB-1"): (TradingState.REDUCING, "Daily loss beyond 500."),
                         AccountId("KITE-1"): (TradingState.ACTIVE, "Trading normally.")})
    assert "ACTIVE" in widget.text() and "1 account halted · 1 account reducing" in widget.text()
    assert "#2e7d32" not in widget.text() and "#b26a00" in widget.text()
    assert widget.toolTip() == "IB-1: reducing — Daily loss beyond 500.\nPAPER-1: halted — Not connected."
    widget.on_trading_state_changed(None, TradingState.HALTED, "Kill switch pulled by ana.")
    assert "account" not in widget.text() and "#c62828" in widget.text()


def test_a_drawdown_over_n_days_is_set_per_account_in_the_dialog(qtbot: QtBot) -> None:
    dialog, saved = make_dialog(qtbot)
    dialog.scope_combo.setCurrentIndex(1)  # PAPER-1
    days, amount = edit(dialog, "rolling_drawdown_days"), edit(dialog, "rolling_drawdown_limit")
    retype(qtbot, days, "400")
    assert "at most 366" in label(dialog, "riskLimits.rolling_drawdown_days.error").text()
    retype(qtbot, days, "5")
    retype(qtbot, amount, "2500")
    retype(qtbot, edit(dialog, "rolling_drawdown_limit_pct"), "8")
    click_save(qtbot, dialog)
    limits = saved[-1].limits_for(AccountId("PAPER-1"))
    assert (limits.rolling_drawdown_days, limits.rolling_drawdown_limit, limits.rolling_drawdown_limit_pct) == (
        5, Decimal(2500), Decimal(8))
    assert saved[-1].limits_for(AccountId("IB-1")).rolling_drawdown_limit is None


def test_a_strategys_second_drawdown_threshold_is_set_shown_and_reset_from_its_scope(qtbot: QtBot) -> None:
    config = RiskConfig(RiskLimits(), strategies={"alpha": {"drawdown_limit": "50", "drawdown_halt": "100"}})
    h = Harness(config)
    order = h.work(h.order(Side.BUY, qty="10", strategy="alpha"))
    h.fill(Side.BUY, "10", "100.00", order=order)
    for last in ("110.00", "99.99"):  # alpha's peak +100, then 100.10 below it: beyond its halt level
        h.quote(bid=last, ask=last, last=last)
    assert "Strategy alpha is halted" in (h.check(h.order(Side.SELL, qty="1", strategy="alpha", price="99.99")) or "")
    dialog, saved = make_dialog(qtbot, config, usage=lambda scope, key: usage_texts(h.engine, scope, key),
                                reset_drawdown=lambda account: h.engine.reset_drawdown(AccountId(account)),
                                reset_strategy_drawdown=lambda s: h.engine.reset_strategy_drawdown(StrategyId(s)))
    dialog.select_scope("strategy", "alpha")
    assert dialog.reset_drawdown_button.isVisible() and "every account" in dialog.reset_drawdown_button.toolTip()
    assert label(dialog, "riskLimits.drawdown_halt.usage").text() == "100.10 / 100 USD"
    qtbot.mouseClick(dialog.reset_drawdown_button, Qt.MouseButton.LeftButton)
    assert label(dialog, "riskLimits.drawdown_halt.usage").text() == "0 / 100 USD"
    assert h.check(h.order(Side.SELL, qty="1", strategy="alpha", price="99.99")) is None
    retype(qtbot, edit(dialog, "rolling_drawdown_limit"), "80")
    retype(qtbot, edit(dialog, "rolling_drawdown_halt"), "70")
    click_save(qtbot, dialog)
    assert label(dialog, "riskLimits.rolling_drawdown_halt.error").text() == (
        "Is the second threshold: it must be at least the reduce-only one (rolling_drawdown_limit = 80), got 70.")
    assert not saved
    retype(qtbot, edit(dialog, "rolling_drawdown_halt"), "120")
    retype(qtbot, edit(dialog, "rolling_drawdown_halt_pct"), "3")
    click_save(qtbot, dialog)
    alpha = saved[-1].limits_for(AccountId("PAPER-1"), StrategyId("alpha"))
    assert (alpha.rolling_drawdown_limit, alpha.rolling_drawdown_halt, alpha.rolling_drawdown_halt_pct) == (
        Decimal(80), Decimal(120), Decimal(3))
    assert RiskConfig.from_dict(saved[-1].to_dict()) == saved[-1]  # what the settings file holds reads back
